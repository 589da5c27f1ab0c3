#!/usr/bin/env node
// Microsoft's Computer Vision client (@azure/cognitiveservices-computervision,
// pinned in package.json), unchanged, against a running ocula server: the
// calls an existing application makes, the asynchronous Read round trip
// (readInStream, then getReadResult with the id from Operation-Location,
// which the client checks is a UUID) among them. Exits 0 when every check
// passed, 1 otherwise.
//
//   OCULA_ENDPOINT=http://127.0.0.1:PORT OCULA_KEY=... OCULA_SHARED_DIR=../shared \
//     node tests/sdk/computervision.mjs
import { readFileSync } from 'node:fs';
import path from 'node:path';
import assert from 'node:assert/strict';
import { ComputerVisionClient } from '@azure/cognitiveservices-computervision';
import { ApiKeyCredentials } from '@azure/ms-rest-js';

const endpoint = process.env.OCULA_ENDPOINT;
const key = process.env.OCULA_KEY;
const shared = process.env.OCULA_SHARED_DIR;
if (!endpoint || !key || !shared) {
  console.error('set OCULA_ENDPOINT, OCULA_KEY and OCULA_SHARED_DIR');
  process.exit(2);
}
const client = new ComputerVisionClient(
  new ApiKeyCredentials({ inHeader: { 'Ocp-Apim-Subscription-Key': key } }), endpoint);
const photo = (name) => readFileSync(path.join(shared, 'testdata', name));

async function analyze() {
  const result = await client.analyzeImageInStream(photo('detect/dog.jpg'), {
    visualFeatures: ['Tags', 'Objects', 'Description'],
  });
  assert.ok(result.tags.length > 0, 'tags');
  assert.ok(result.objects.some((o) => o.object === 'dog'), 'a dog among the objects');
  assert.ok(result.description.captions.length > 0, 'a caption');
}

async function read() {
  const submitted = await client.readInStream(photo('ocr/phototest.tif'));
  const operationId = submitted.operationLocation.split('/').pop();
  let result;
  for (let i = 0; i < 200; i++) {
    result = await client.getReadResult(operationId);  // throws unless a UUID
    if (result.status === 'succeeded' || result.status === 'failed') break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.equal(result.status, 'succeeded');
  const text = result.analyzeResult.readResults[0].lines.map((l) => l.text).join('\n');
  assert.match(text, /quick brown/, 'the page\'s text');
}

let failed = 0;
for (const [name, check] of [['analyzeImageInStream', analyze], ['readInStream + getReadResult', read]]) {
  try {
    await check();
    console.log(`ok   ${name}`);
  } catch (e) {
    failed++;
    console.log(`FAIL ${name}: ${e.stack || e}`);
  }
}
process.exit(failed ? 1 : 0);
