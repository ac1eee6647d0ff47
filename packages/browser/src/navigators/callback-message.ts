/** What a popup or iframe posts to the window that waits for it: the URL it was sent back to. */
interface CallbackMessage {
  source: 'codegrant';
  url: string;
}

/** @internal Posts the callback URL to the waiting window, if it is of this origin (never elsewhere). */
export function postCallback(target: Window, url: string): void {
  target.postMessage({ source: 'codegrant', url } satisfies CallbackMessage, location.origin);
}

/**
 * @internal Waits for the callback URL posted by `from` (same origin only). `stop` removes the
 * listener; `url` settles at most once.
 */
export function receiveCallback(from: () => MessageEventSource | null): {
  url: Promise<string>;
  stop: () => void;
} {
  let stop = () => {};
  const url = new Promise<string>((resolve) => {
    const onMessage = ({ data, origin, source }: MessageEvent) => {
      const message = data as CallbackMessage | null;
      if (origin !== location.origin || source !== from() || message?.source !== 'codegrant') return;
      stop();
      resolve(message.url);
    };
    stop = () => removeEventListener('message', onMessage);
    addEventListener('message', onMessage);
  });
  return { url, stop };
}
