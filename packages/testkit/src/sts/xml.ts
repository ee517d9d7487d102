/** Escapes text for an XML element body. */
export function xmlEscape(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => `&${{ '<': 'lt', '>': 'gt', '&': 'amp', "'": 'apos', '"': 'quot' }[c]};`);
}

const NS = 'https://sts.amazonaws.com/doc/2011-06-15/';

/** Renders `{ a: 'x', b: { c: 'y' } }` as `<a>x</a><b><c>y</c></b>`; undefined members are left out. */
export function xmlElements(fields: Readonly<Record<string, unknown>>): string {
  return Object.entries(fields)
    .filter(([, value]) => value !== undefined)
    .map(([name, value]) =>
      typeof value === 'object' && value !== null
        ? `<${name}>${xmlElements(value as Record<string, unknown>)}</${name}>`
        : `<${name}>${xmlEscape(String(value))}</${name}>`,
    )
    .join('');
}

/** A successful STS Query response: `<{Action}Response><{Action}Result>...</...><ResponseMetadata>`. */
export function stsResult(action: string, result: Readonly<Record<string, unknown>>, requestId: string): string {
  return (
    `<${action}Response xmlns="${NS}">` +
    `<${action}Result>${xmlElements(result)}</${action}Result>` +
    `<ResponseMetadata><RequestId>${xmlEscape(requestId)}</RequestId></ResponseMetadata>` +
    `</${action}Response>`
  );
}

/** An STS Query error response, as STS sends it. */
export function stsError(type: 'Sender' | 'Receiver', code: string, message: string, requestId: string): string {
  return (
    `<ErrorResponse xmlns="${NS}">` +
    `<Error><Type>${type}</Type><Code>${xmlEscape(code)}</Code><Message>${xmlEscape(message)}</Message></Error>` +
    `<RequestId>${xmlEscape(requestId)}</RequestId>` +
    `</ErrorResponse>`
  );
}
