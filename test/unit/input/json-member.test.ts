import { describe, expect, it } from 'vitest';
import { memberText } from '../../../src/input/json-member.js';

describe('memberText', () => {
  it('returns a member\'s value as written, whatever comes before it', () => {
    const source = ' { "a" : "x}\\"]" , "b":[1,{"c":"]"}], "n" : 12345678901234567890 , "json": {"k": [1.50, -0, 1e400]} } ';
    expect(memberText(source, 'n')).toBe('12345678901234567890');
    expect(memberText(source, 'json')).toBe('{"k": [1.50, -0, 1e400]}');
    expect(memberText(source, 'a')).toBe('"x}\\"]"');
    expect(memberText(source, 'b')).toBe('[1,{"c":"]"}]');
  });

  it('keeps the last of a repeated name, as JSON.parse does, and decodes escaped names', () => {
    expect(memberText('{"id":1,"id":2}', 'id')).toBe('2');
    expect(memberText('{"\\u0069d":3}', 'id')).toBe('3');
    expect(memberText('{"url":"x"}', 'id')).toBeUndefined();
    expect(memberText('{}', 'id')).toBeUndefined();
    expect(memberText('[1]', 'id')).toBeUndefined();
    expect(memberText('{"id":null,"x":true}', 'x')).toBe('true');
  });
});
