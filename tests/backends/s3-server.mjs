// The S3-compatible server of the S3 contract tests: s3rver (an in-process S3
// API over a directory) behind a check of every request's AWS Signature V4,
// recomputed with the aws4 library (an implementation independent of
// Ocula's). s3rver itself accepts any V4 signature, so without this check a
// wrong signature would pass unnoticed.
//
//   node s3-server.mjs --port P --dir DIR --bucket B --access-key K --secret S
//
// Prints "ready <port>" once listening. A request with a wrong signature gets
// 403 SignatureDoesNotMatch, as from AWS. Virtual-host requests work for
// BUCKET.s3.localhost (curl resolves *.localhost to loopback).
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

const require = createRequire(import.meta.url);
const S3rver = require('s3rver');
const AWSAccount = require('s3rver/lib/models/account');
const FilesystemStore = require('s3rver/lib/stores/filesystem');
const aws4 = require('aws4');

const { values: args } = parseArgs({
  options: {
    port: { type: 'string' }, dir: { type: 'string' }, bucket: { type: 'string' },
    'access-key': { type: 'string' }, secret: { type: 'string' },
  },
});

function reject(ctx, code, message) {
  ctx.status = 403;
  ctx.type = 'application/xml';
  ctx.body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code>` +
    `<Message>${message}</Message></Error>`;
}

// Re-signs the request with aws4 from the headers it says it signed, and
// compares the Authorization headers.
async function verifySignature(ctx, next) {
  const auth = ctx.get('authorization');
  const match = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/s3\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(auth);
  if (!match) return reject(ctx, 'AccessDenied', 'a Signature V4 Authorization header is required');
  const [, accessKey, , region, signedHeaders] = match;
  if (accessKey !== args['access-key']) {
    return reject(ctx, 'InvalidAccessKeyId', 'unknown access key');
  }
  const headers = {};
  for (const name of signedHeaders.split(';')) headers[name] = ctx.get(name);
  const expected = aws4.sign({
    method: ctx.method, host: ctx.get('host'), path: ctx.originalUrl, headers,
    service: 's3', region, doNotEncodePath: true,
  }, { accessKeyId: args['access-key'], secretAccessKey: args.secret });
  if (expected.headers.Authorization !== auth) {
    return reject(ctx, 'SignatureDoesNotMatch',
      'The request signature we calculated does not match the signature you provided.');
  }
  return next();
}

// s3rver lists keys in the order it walks its directories ("k/x" before
// "k-y"); S3 lists them in byte order ('-' < '/'). Ocula pages by key, so
// the order matters: list everything under the prefix, then sort, skip and cut
// as S3 does.
const listObjects = FilesystemStore.prototype.listObjects;
FilesystemStore.prototype.listObjects = async function (bucket, options) {
  const { startAfter = '', maxKeys = Infinity } = options;
  const all = await listObjects.call(this, bucket, { ...options, startAfter: '', maxKeys: Infinity });
  const after = all.objects
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .filter((object) => object.key > startAfter);
  return { ...all, objects: after.slice(0, maxKeys), isTruncated: after.length > maxKeys };
};

// s3rver writes an object's file in place, so two concurrent PUTs of one key
// interleave their bytes. S3 makes each PUT atomic: one whole value wins. So
// write each body to a temporary file, rename it over the object, and run the
// PUTs of one key one after another so the object and its metadata agree.
let putCount = 0;
const putsInFlight = new Map();
async function putObjectAtomically(store, object) {
  const objectPath = store.getResourcePath(object.bucket, object.key, 'object');
  await mkdir(dirname(objectPath), { recursive: true });
  const temp = `${objectPath}.${process.pid}-${++putCount}.tmp`;
  const md5 = createHash('md5');
  let size = 0;
  const content = Buffer.isBuffer(object.content) ? Readable.from([object.content]) : object.content;
  const count = new Transform({
    transform(chunk, encoding, callback) { md5.update(chunk); size += chunk.length; callback(null, chunk); },
  });
  await pipeline(content, count, createWriteStream(temp));
  await rename(temp, objectPath);
  const digest = md5.digest('hex');
  await store.putMetadata(object.bucket, object.key, object.metadata, digest);
  return { size, md5: digest };
}
FilesystemStore.prototype.putObject = function (object) {
  const id = `${object.bucket}/${object.key}`;
  const previous = putsInFlight.get(id) ?? Promise.resolve();
  const mine = previous.catch(() => {}).then(() => putObjectAtomically(this, object));
  putsInFlight.set(id, mine);
  mine.catch(() => {}).finally(() => { if (putsInFlight.get(id) === mine) putsInFlight.delete(id); });
  return mine;
};

// s3rver knows only its own dummy key; give that account ours (the signature
// itself is checked above).
AWSAccount.DUMMY_ACCOUNT.revokeAccessKey('S3RVER');
AWSAccount.DUMMY_ACCOUNT.createKeyPair(args['access-key'], args.secret);

const server = new S3rver({
  port: Number(args.port), address: '127.0.0.1', directory: args.dir, silent: true,
  serviceEndpoint: 'localhost', configureBuckets: [{ name: args.bucket }],
});
server.middleware.unshift(verifySignature);
server.on('error', (err) => console.error('s3-server error:', err));  // into the test's log
const { port } = await server.run();
console.log(`ready ${port}`);
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
