// Live status from GET /v1/events/stream (server-sent events).
//
// EventSource cannot send an Authorization header, so the stream is read with
// fetch() and a ReadableStream, and the text/event-stream format is parsed
// here. The connection is kept up: after a drop it reconnects with
// exponential backoff and resumes with Last-Event-ID.

import { authHeaders, errorFromResponse, ApiError } from './api.js';

const STREAM_PATH = '/v1/events/stream';
const FIRST_RETRY_MS = 1000;
const MAX_RETRY_MS = 30000;
// The server sends a ": keep-alive" comment every 15 s; a stream silent for
// this long is taken as dead (e.g. a proxy or laptop sleep cut it silently).
const SILENCE_LIMIT_MS = 45000;

/**
 * Incremental parser for the text/event-stream format (as the HTML standard
 * defines it). Feed it decoded text in chunks of any size with push(); it
 * calls onEvent({type, data, id}) for each complete event and onRetry(ms)
 * for a "retry:" field. Comment lines (": keep-alive") are ignored.
 */
export class SseParser {
  constructor(onEvent, onRetry = () => {}) {
    this.onEvent = onEvent;
    this.onRetry = onRetry;
    this.pending = '';   // text after the last complete line
    this.skipLF = false; // the last chunk ended with '\r': a '\n' next belongs to it
    this.type = '';
    this.data = [];
    this.lastEventId = '';  // kept across events, as the standard says
  }

  push(text) {
    if (this.skipLF && text.startsWith('\n')) text = text.slice(1);
    this.skipLF = false;
    this.pending += text;
    let start = 0;
    for (let i = 0; i < this.pending.length; i++) {
      const c = this.pending[i];
      if (c !== '\n' && c !== '\r') continue;
      this.line(this.pending.slice(start, i));
      if (c === '\r') {
        if (i + 1 === this.pending.length) this.skipLF = true;  // "\r" | "\n" split across chunks
        else if (this.pending[i + 1] === '\n') i++;
      }
      start = i + 1;
    }
    this.pending = this.pending.slice(start);
  }

  line(line) {
    if (line === '') return this.dispatch();
    if (line.startsWith(':')) return;  // comment, e.g. keep-alive
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') this.type = value;
    else if (field === 'data') this.data.push(value);
    else if (field === 'id' && !value.includes('\0')) this.lastEventId = value;
    else if (field === 'retry' && /^\d+$/.test(value)) this.onRetry(Number(value));
  }

  dispatch() {
    const event = { type: this.type || 'message', data: this.data.join('\n'), id: this.lastEventId };
    const hasData = this.data.length > 0;
    this.type = '';
    this.data = [];
    if (hasData) this.onEvent(event);
  }
}

/**
 * Opens the event stream and keeps it open until close() is called.
 *
 * handlers:
 *   onEvent({type, data, id})   every event ("image" with JSON data, "reset"…)
 *   onOpen({resumed})           each time a connection is up; `resumed` is true
 *                               when it continued from a Last-Event-ID, false
 *                               when events may have been missed (first connect,
 *                               or a reconnect before any event had an id)
 *   onState(state, detail)      'connecting' | 'live' | 'retrying' (detail: delay
 *                               in ms) | 'stopped' (detail: the ApiError)
 *   onAuthError(apiError)       401/403: the stream stops, no retry
 *
 * Returns {close()}.
 */
export function connectEvents(handlers) {
  const { onEvent = () => {}, onOpen = () => {}, onState = () => {}, onAuthError = () => {} } = handlers;
  let closed = false;
  let controller = null;
  let lastEventId = '';
  let retryMs = FIRST_RETRY_MS;
  let serverRetryMs = 0;  // a "retry:" the server asked for
  let wakeUp = null;      // resolves the backoff sleep early on close()

  async function readOnce() {
    controller = new AbortController();
    const headers = { Accept: 'text/event-stream', ...authHeaders() };
    const resumed = lastEventId !== '';
    if (resumed) headers['Last-Event-ID'] = lastEventId;
    onState('connecting');
    const response = await fetch(STREAM_PATH, { headers, cache: 'no-store', signal: controller.signal });
    if (!response.ok) throw await errorFromResponse(response);

    retryMs = FIRST_RETRY_MS;  // connected: the next drop starts the backoff again
    onState('live');
    onOpen({ resumed });

    const parser = new SseParser((event) => {
      lastEventId = event.id;
      onEvent(event);
    }, (ms) => { serverRetryMs = ms; });
    parser.lastEventId = lastEventId;

    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let watchdog = setTimeout(() => controller.abort(), SILENCE_LIMIT_MS);
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;  // the server ended the stream: reconnect
        clearTimeout(watchdog);
        watchdog = setTimeout(() => controller.abort(), SILENCE_LIMIT_MS);
        parser.push(value);
      }
    } finally {
      clearTimeout(watchdog);
    }
  }

  async function run() {
    while (!closed) {
      try {
        await readOnce();
      } catch (error) {
        if (closed) return;
        if (error instanceof ApiError && (error.status === 401 || error.status === 403)) {
          onState('stopped', error);
          onAuthError(error);
          return;
        }
        // Network errors, aborts by the watchdog, 5xx: retry below.
      }
      if (closed) return;
      // Full jitter around the backoff so many tabs do not reconnect in step.
      const delay = Math.max(serverRetryMs, retryMs / 2 + Math.random() * retryMs / 2);
      onState('retrying', delay);
      await new Promise((resolve) => {
        wakeUp = resolve;
        setTimeout(resolve, delay);
      });
      retryMs = Math.min(retryMs * 2, MAX_RETRY_MS);
    }
  }

  run();
  return {
    close() {
      closed = true;
      controller?.abort();
      wakeUp?.();
    },
  };
}
