// What the embedded S3 and `sagesim serve` answer to bytes that are not HTTP node can parse (a
// bad request line, a space in a path, broken chunked framing): an S3-shaped XML error, as S3's
// front end answers, instead of node's bare `400 Bad Request`, then the connection is closed.
import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';

export function answerClientError(error: Error & { code?: string }, socket: Duplex | Socket): void {
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const timeout = error.code === 'ERR_HTTP_REQUEST_TIMEOUT';
  const [status, reason, code, message] = timeout
    ? ([408, 'Request Timeout', 'RequestTimeout', 'Your socket connection to the server was not read from or written to within the timeout period.'] as const)
    : error.code === 'HPE_HEADER_OVERFLOW'
      ? ([400, 'Bad Request', 'RequestHeaderSectionTooLarge', 'Your request header section exceeds the maximum allowed size.'] as const)
      : ([400, 'Bad Request', 'InvalidRequest', 'The request could not be parsed as HTTP.'] as const);
  const requestId = randomBytes(8).toString('hex').toUpperCase();
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>${requestId}</RequestId></Error>`;
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/xml\r\nContent-Length: ${Buffer.byteLength(body)}\r\nx-amz-request-id: ${requestId}\r\nConnection: close\r\n\r\n${body}`,
  );
}
