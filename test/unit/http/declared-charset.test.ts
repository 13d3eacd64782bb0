import { describe, expect, it } from 'vitest';
import { declaredCharset } from '../../../src/http/declared-charset.js';

const html = (text: string): string | undefined => declaredCharset(Buffer.from(text, 'latin1'), 'text/html');

/** [what a page's head holds, the encoding the prescan finds in it] */
const CASES: Record<string, [string, string | undefined][]> = {
  '<meta charset> and the Content-Type pragma, in any case and quoting': [
    ['<meta charset="windows-1252">', 'windows-1252'],
    ["<META CHARSET='Shift_JIS'>", 'shift_jis'],
    ['<meta charset=euc-kr>', 'euc-kr'],
    ['<meta/charset="iso-8859-2">', 'iso-8859-2'],
    ['<meta http-equiv="Content-Type" content="text/html; charset=windows-1251">', 'windows-1251'],
    ['<meta content="text/html;charset = \'koi8-r\'" http-equiv=content-type>', 'koi8-r'],
  ],
  'the encoding a label stands for; UTF-16 taken as UTF-8 and x-user-defined as windows-1252': [
    ['<meta charset="latin1">', 'windows-1252'],
    ['<meta charset=" sjis ">', 'shift_jis'],
    ['<meta charset="utf-16le">', 'utf-8'],
    ['<meta charset="unicodefffe">', 'utf-8'],
    ['<meta charset="x-user-defined">', 'windows-1252'],
  ],
  "nothing inside comments, other tags' attributes and <! </ <? markup": [
    ['<!-- <meta charset="windows-1252"> -->', undefined],
    ['<!--> <meta charset="koi8-r">', 'koi8-r'],
    ['<a title=\'<meta charset="windows-1252">\'>x</a>', undefined],
    ['<a title=\'<meta charset="windows-1252">\'>x</a><meta charset="koi8-r">', 'koi8-r'],
    ['<!DOCTYPE html><?php x ?></p><meta charset="koi8-r">', 'koi8-r'],
    ['<metadata charset="koi8-r">', undefined],
  ],
  'a content charset only beside http-equiv="Content-Type"; an unknown label passed over; the first of a name': [
    ['<meta name="x" content="text/html; charset=windows-1252">', undefined],
    ['<meta http-equiv="refresh" content="0; charset=windows-1252">', undefined],
    ['<meta charset="no-such-thing"><meta charset="koi8-r">', 'koi8-r'],
    ['<meta charset="koi8-r" charset="windows-1252">', 'koi8-r'],
    ['<meta charset="koi8-r" content="text/html; charset=windows-1252" http-equiv="content-type">', 'koi8-r'],
  ],
  'nothing when the 1024-byte window ends inside the markup': [
    ['<meta charset="koi8-r', undefined],
    ['<!-- never closed <meta charset="koi8-r">', undefined],
    [`${' '.repeat(1000)}<meta charset="windows-1252">`, undefined],
  ],
};

describe('the WHATWG prescan of an HTML head', () => {
  for (const [finds, cases] of Object.entries(CASES)) {
    it(`finds ${finds}`, () => {
      expect(cases.map(([head]) => [head, html(head)])).toEqual(cases);
    });
  }

  it('reads an XML declaration first, and nothing in types that are neither HTML nor XML', () => {
    expect(declaredCharset(Buffer.from('<?xml version="1.0" encoding="ISO-8859-1"?><a/>'), 'application/xml')).toBe('iso-8859-1');
    expect(declaredCharset(Buffer.from('<meta charset="koi8-r">'), 'application/xml')).toBeUndefined();
    expect(declaredCharset(Buffer.from('<meta charset="koi8-r">'), 'text/plain')).toBeUndefined();
  });
});
