// The fetch-based SSE reader: parsing and reconnection with Last-Event-ID.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadTs } from './load-ts.mjs';

const { SseParser, EventStream, backoffMs } = await loadTs('sse.ts');

test('parses events split across chunks, CRLF and comments', () => {
  const p = new SseParser();
  const out = [];
  const text = ': keep-alive\r\n\r\nid: 1\r\nevent: conflict.opened\r\ndata: {"a":\r\ndata: 1}\r\n\r\nid: 2\nevent: message.posted\ndata: x\n\n';
  for (let i = 0; i < text.length; i += 3) out.push(...p.feed(text.slice(i, i + 3)));
  assert.deepEqual(out, [
    { id: '1', event: 'conflict.opened', data: '{"a":\n1}' },
    { id: '2', event: 'message.posted', data: 'x' },
  ]);
  assert.equal(p.lastEventId, '2');
});

test('a CR at the end of a chunk followed by LF is one line break', () => {
  const p = new SseParser();
  assert.deepEqual(p.feed('data: a\r'), []);
  assert.deepEqual(p.feed('\n\r\n'), [{ id: null, event: 'message', data: 'a' }]);
});

test('keeps no half event and ignores unknown fields; retry is read', () => {
  const p = new SseParser();
  assert.deepEqual(p.feed('foo: bar\nretry: 2500\ndata: one'), []);
  assert.equal(p.retryMs, 2500);
  assert.deepEqual(p.feed('\n\n'), [{ id: null, event: 'message', data: 'one' }]);
  assert.deepEqual(p.feed('event: x\n\n'), [], 'no data: nothing dispatched');
});

test('backoff grows to 30 s', () => {
  const mid = () => 0.5;
  assert.equal(backoffMs(1, mid), 1000);
  assert.equal(backoffMs(2, mid), 2000);
  assert.equal(backoffMs(4, mid), 8000);
  assert.equal(backoffMs(20, mid), 30000);
});

function streamResponse(chunks) {
  const enc = new TextEncoder();
  return new Response(
    new ReadableStream({
      start(c) {
        for (const ch of chunks) c.enqueue(enc.encode(ch));
        c.close();
      },
    }),
    { status: 200, headers: { 'Content-Type': 'text/event-stream' } },
  );
}

test('reconnects after the stream ends, sending the token and Last-Event-ID', async () => {
  const calls = [];
  const got = [];
  const statuses = [];
  let n = 0;
  const fetchImpl = async (url, init) => {
    calls.push({ url, headers: { ...init.headers } });
    n++;
    if (n === 1) return streamResponse(['id: 5\nevent: conflict.opened\ndata: {}\n\n']);
    if (n === 2) return streamResponse(['id: 6\nevent: conflict.acknowledged\ndata: {}\n\n']);
    return new Response('{}', { status: 401 });
  };
  // Retry at once instead of after the backoff.
  const orig = globalThis.setTimeout;
  globalThis.setTimeout = (f, ms, ...a) => orig(f, Math.min(ms, 5), ...a);
  let s;
  try {
    await new Promise((resolve) => {
      s = new EventStream({
        url: '/v1/events',
        token: 'dcf_x',
        lastEventId: '4',
        fetchImpl,
        onMessage: (m) => got.push(m.id),
        onStatus: (st) => {
          statuses.push(st.state);
          if (st.state === 'unauthorized') resolve();
        },
      });
      s.start();
    });
  } finally {
    globalThis.setTimeout = orig;
    s.stop();
  }
  assert.deepEqual(got, ['5', '6']);
  assert.equal(calls[0].headers['Authorization'], 'Bearer dcf_x');
  assert.equal(calls[0].headers['Last-Event-ID'], '4');
  assert.equal(calls[1].headers['Last-Event-ID'], '5');
  assert.equal(calls[2].headers['Last-Event-ID'], '6');
  assert.ok(!calls.some((c) => String(c.url).includes('dcf_')), 'the token is never in the URL');
  assert.ok(statuses.includes('open') && statuses.includes('waiting'));
});
