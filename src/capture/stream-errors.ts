import { StylecastError } from '../core/errors.ts';

/**
 * What ffmpeg's stderr says about a stream URL it could not open, as one line a streamer can act on
 * (pure). `what` names the input ("stream rtmp://…"); undefined when the text says nothing we know.
 */
export function streamUrlError(stderr: string, what: string): StylecastError | undefined {
  const host = /Failed to resolve hostname ([^\s:]+)/.exec(stderr);
  if (host)
    return new StylecastError(
      'INPUT_UNREADABLE',
      `${what}: cannot find the host '${host[1]}' (the name does not resolve)`,
      'check the address for a typo, and that this computer is online',
    );
  const answer = /Server returned (\d{3})\b([^|\n]*)/.exec(stderr);
  if (answer) {
    const status = Number(answer[1]);
    return new StylecastError(
      'INPUT_UNREADABLE',
      `${what}: the server answered ${`${answer[1]} ${answer[2].trim()}`.trim()}`,
      status === 401 || status === 403
        ? 'the server refused access: check the stream key or the credentials in the address'
        : status === 404
          ? 'check the address; a live stream has one only while it is live'
          : 'check the address and that the stream is live',
    );
  }
  if (/Connection refused/i.test(stderr))
    return new StylecastError(
      'INPUT_UNREADABLE',
      `${what}: connection refused (nothing listens at that host and port)`,
      'check the port in the address, and that the stream server or the sender is running',
    );
  if (/Connection timed out|Operation timed out/i.test(stderr))
    return new StylecastError(
      'INPUT_UNREADABLE',
      `${what}: the connection timed out`,
      'check the address, and that a firewall lets this computer reach it',
    );
  return undefined;
}
