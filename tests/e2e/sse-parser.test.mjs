// Unit test of the front end's text/event-stream parser (web/sse.js), run by
// node's own test runner: needs neither a browser nor a server.
//   node --test tests/e2e/sse-parser.test.mjs

import test from 'node:test';
import assert from 'node:assert/strict';
import { SseParser } from '../../web/sse.js';

/** Feeds `chunks` to a parser; returns the events and retry values it reported. */
function parse(chunks) {
  const events = [];
  const retries = [];
  const parser = new SseParser((event) => events.push(event), (ms) => retries.push(ms));
  for (const chunk of chunks) parser.push(chunk);
  return { events, retries, parser };
}

const STREAM = ': keep-alive\n\n'
  + 'id: 7\nevent: image\ndata: {"seq":7,"id":"01A","status":"pending"}\n\n'
  + ': keep-alive\n\n'
  + 'id: 8\nevent: image\ndata: {"seq":8,"id":"01A","status":"done"}\n\n'
  + 'event: reset\ndata: {}\n\n';

test('parses image and reset events, skipping comments', () => {
  const { events } = parse([STREAM]);
  assert.deepEqual(events, [
    { type: 'image', data: '{"seq":7,"id":"01A","status":"pending"}', id: '7' },
    { type: 'image', data: '{"seq":8,"id":"01A","status":"done"}', id: '8' },
    // An event without an id keeps the last one, as the standard says.
    { type: 'reset', data: '{}', id: '8' },
  ]);
});

test('gives the same events however the stream is cut', () => {
  const whole = parse([STREAM]).events;
  for (let size = 1; size <= 17; size++) {
    const chunks = [];
    for (let i = 0; i < STREAM.length; i += size) chunks.push(STREAM.slice(i, i + size));
    assert.deepEqual(parse(chunks).events, whole, `chunks of ${size}`);
  }
});

test('accepts CRLF and CR line ends, also split between chunks', () => {
  const crlf = STREAM.replaceAll('\n', '\r\n');
  assert.deepEqual(parse([crlf]).events, parse([STREAM]).events);
  const cut = crlf.indexOf('\r\n') + 1;  // between '\r' and '\n'
  assert.deepEqual(parse([crlf.slice(0, cut), crlf.slice(cut)]).events, parse([STREAM]).events);
  assert.deepEqual(parse([STREAM.replaceAll('\n', '\r')]).events, parse([STREAM]).events);
});

test('joins data lines, defaults the type, reads retry, ignores unknown fields', () => {
  const { events, retries } = parse(['retry: 2500\nfoo: bar\ndata: a\ndata:b\ndata\n\n']);
  assert.deepEqual(events, [{ type: 'message', data: 'a\nb\n', id: '' }]);
  assert.deepEqual(retries, [2500]);
});

test('does not dispatch an event without data or an unfinished one', () => {
  const { events, parser } = parse(['event: image\n\n', 'id: 9\n\n', 'data: half']);
  assert.deepEqual(events, []);
  assert.equal(parser.lastEventId, '9');
});
