/*
 * `npm run demo -- --keep`: what keeping the demo running needs — the status
 * page's URL from the controller's log line, and a wait for Ctrl-C.
 */

/** Resolves with the status page's URL once the controller's log says it listens. */
export function listeningUrl(stream: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    const onData = (d: Buffer) => {
      text += d.toString();
      const m = /"url":"(http:[^"]+)"[^\n]*"msg":"http server listening"/.exec(text);
      if (m?.[1]) {
        stream.off('data', onData);
        resolve(m[1]);
      }
    };
    stream.on('data', onData);
  });
}

/** Resolves on the first SIGINT or SIGTERM (the demo's --keep, and `stagegate sandbox`). */
export function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
