/**
 * The host a limit applies to: host name plus port unless it is the scheme's
 * default (`api.example.com`, `127.0.0.1:8080`), as URL's `host` gives it.
 */
export function hostKey(href: string): string {
  return new URL(href).host;
}

/** The answers that mean "slow down": the host is slowed down on its own after one. */
export function isRefusal(status: number | null): boolean {
  return status === 429 || status === 503;
}
