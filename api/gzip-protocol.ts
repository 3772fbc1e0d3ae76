// Messages between the main thread and the gzip thread (api/gzip-thread.ts, api/gzip-worker.ts).

export type ToGzipThread =
  /** One piece of stream `stream`; the reply carries `seq`. Input and output buffers are transferred, the input back with the reply. */
  | { readonly kind: 'piece'; readonly seq: number; readonly stream: number; readonly input: Uint8Array; readonly first: boolean; readonly last: boolean; readonly level: number }
  /** The stream was abandoned (the client went away): forget its state. */
  | { readonly kind: 'drop'; readonly stream: number };

export type FromGzipThread =
  | { readonly ready: true; readonly lowered: boolean; readonly seq?: undefined }
  | { readonly seq: number; readonly out: Uint8Array; readonly input: Uint8Array; readonly error?: undefined }
  | { readonly seq: number; readonly error: string; readonly out?: undefined };
