// User:password in a check's URL: sent as basic auth (the URL is percent-encoded, the header carries
// the decoded bytes) and never shown in a message.

/** RFC 7617 basic credentials from a URL's username and password, which WHATWG URL keeps percent-encoded. */
export function basicAuthorization(username: string, password: string): string {
  const credentials = Buffer.concat([percentDecode(username), Buffer.from(':'), percentDecode(password)]);
  return `Basic ${credentials.toString('base64')}`;
}

const HEX = /^[0-9A-Fa-f]{2}$/;

/** WHATWG percent-decode: `%XX` becomes the byte, anything else (a stray `%` included) stays as its UTF-8. */
function percentDecode(text: string): Buffer {
  const input = Buffer.from(text, 'utf8');
  const output: number[] = [];
  for (let i = 0; i < input.length; i++) {
    if (input[i] === 0x25) {
      const hex = input.subarray(i + 1, i + 3).toString('latin1');
      if (HEX.test(hex)) {
        output.push(parseInt(hex, 16));
        i += 2;
        continue;
      }
    }
    output.push(input[i]);
  }
  return Buffer.from(output);
}

/** A URL as shown in messages: never with its user:password. */
export function showUrl(url: URL): string {
  if (!url.username && !url.password) return url.href;
  const shown = new URL(url.href);
  shown.username = '';
  shown.password = '';
  return shown.href;
}

/** A Location header as shown in messages: as sent, unless it is an absolute URL with credentials. */
export function showLocation(location: string): string {
  if (!URL.canParse(location)) return location;
  const url = new URL(location);
  return url.username || url.password ? showUrl(url) : location;
}
