#!/usr/bin/env node
// Microsoft's Custom Vision clients (@azure/cognitiveservices-customvision-
// training and -prediction, pinned in package.json), unchanged, against a
// running ocula server: what an application does to make and use its own
// classifier. A project of three garment types from
// ../shared/testdata/custom/clothing-types, images uploaded every way the
// training client offers (multipart data, a base64 file batch, URLs served by
// this script), training, its figures, publishing, and prediction on photos
// it was not trained on, and the exported ONNX file run in ONNX Runtime for
// Node, outside Ocula. The clients check project, tag, iteration and image
// ids as UUIDs. Exits 0 when every check passed, 1 otherwise.
//
//   OCULA_ENDPOINT=http://127.0.0.1:PORT OCULA_KEY=... OCULA_SHARED_DIR=../shared \
//     node tests/sdk/customvision.mjs
import { readFileSync, readdirSync } from 'node:fs';
import http from 'node:http';
import zlib from 'node:zlib';
import path from 'node:path';
import assert from 'node:assert/strict';
import { TrainingAPIClient } from '@azure/cognitiveservices-customvision-training';
import { PredictionAPIClient } from '@azure/cognitiveservices-customvision-prediction';
import { ApiKeyCredentials } from '@azure/ms-rest-js';
import * as ort from 'onnxruntime-node';

const endpoint = process.env.OCULA_ENDPOINT;
const key = process.env.OCULA_KEY;
const shared = process.env.OCULA_SHARED_DIR;
if (!endpoint || !key || !shared) {
  console.error('set OCULA_ENDPOINT, OCULA_KEY and OCULA_SHARED_DIR');
  process.exit(2);
}
const trainer = new TrainingAPIClient(
  new ApiKeyCredentials({ inHeader: { 'Training-Key': key } }), endpoint);
const predictor = new PredictionAPIClient(
  new ApiKeyCredentials({ inHeader: { 'Prediction-Key': key } }), endpoint);

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const TRAIN = 8;  // photos per tag to train on; the next 2 are held out
const classes = ['hat', 'pants', 'shoes'];
const photos = Object.fromEntries(classes.map((c) => {
  const dir = path.join(shared, 'testdata', 'custom', 'clothing-types', c);
  const files = readdirSync(dir).filter((f) => f.endsWith('.jpg')).sort();
  return [c, files.slice(0, TRAIN + 2).map((f) => readFileSync(path.join(dir, f)))];
}));

// Serves held-out photos for the URL calls (the server allows loopback
// URLs in this test: vision.url_allow_private).
const files = new Map();
const server = http.createServer((req, res) => {
  const body = files.get(req.url);
  res.writeHead(body ? 200 : 404, { 'Content-Type': 'image/jpeg' });
  res.end(body);
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const urlOf = (name, bytes) => {
  files.set('/' + name, bytes);
  return `http://127.0.0.1:${server.address().port}/${name}`;
};

// The clients answer a number as {body: n} (ms-rest-js's primitive responses).
const count = async (call) => (await call).body;

const state = {};

async function project() {
  const domains = await trainer.getDomains();
  const domain = domains.find((d) => d.type === 'Classification' && d.exportable);
  assert.ok(domain, 'an exportable classification domain');
  state.project = await trainer.createProject('garments ' + Date.now(), {
    description: 'hats, pants and shoes', domainId: domain.id, classificationType: 'Multiclass',
  });
  assert.match(state.project.id, UUID);
  assert.equal(state.project.settings.classificationType, 'Multiclass');
  const listed = await trainer.getProjects();
  assert.ok(listed.some((p) => p.id === state.project.id), 'listed');
}

async function tags() {
  state.tags = {};
  for (const c of classes) {
    const tag = await trainer.createTag(state.project.id, c);
    assert.match(tag.id, UUID);
    state.tags[c] = tag;
  }
  await assert.rejects(trainer.createTag(state.project.id, 'hat'),
    (e) => e.statusCode === 400 && e.code === 'BadRequestTagNameNotUnique', 'a duplicate name');
}

async function upload() {
  const pid = state.project.id;
  // hat: one multipart request per photo, the tag in ?tagIds.
  for (const bytes of photos.hat.slice(0, TRAIN)) {
    const summary = await trainer.createImagesFromData(pid, bytes, { tagIds: [state.tags.hat.id] });
    assert.ok(summary.isBatchSuccessful, JSON.stringify(summary));
    assert.match(summary.images[0].image.id, UUID);
  }
  // pants: one base64 batch.
  const batch = await trainer.createImagesFromFiles(pid, {
    images: photos.pants.slice(0, TRAIN).map((contents, i) => ({ name: `p${i}.jpg`, contents })),
    tagIds: [state.tags.pants.id],
  });
  assert.ok(batch.isBatchSuccessful, JSON.stringify(batch));
  assert.equal(batch.images.length, TRAIN);
  // shoes: by URL.
  const urls = await trainer.createImagesFromUrls(pid, {
    images: photos.shoes.slice(0, TRAIN).map((bytes, i) => ({ url: urlOf(`s${i}.jpg`, bytes) })),
    tagIds: [state.tags.shoes.id],
  });
  assert.ok(urls.isBatchSuccessful, JSON.stringify(urls));
  // The same photo again is a duplicate, not a second image.
  const again = await trainer.createImagesFromData(pid, photos.hat[0], { tagIds: [state.tags.hat.id] });
  assert.equal(again.images[0].status, 'OKDuplicate');

  assert.equal(await count(trainer.getTaggedImageCount(pid)), 3 * TRAIN);
  assert.equal(await count(trainer.getUntaggedImageCount(pid)), 0);
  const hats = await trainer.getTaggedImages(pid, { tagIds: [state.tags.hat.id], take: 100 });
  assert.equal(hats.length, TRAIN);
  assert.ok(hats.every((i) => UUID.test(i.id) && i.tags[0].tagName === 'hat' && i.width > 0));
  const counted = await trainer.getTags(pid);
  assert.deepEqual(counted.map((t) => t.imageCount), [TRAIN, TRAIN, TRAIN]);
  // Untag and tag again by id.
  await trainer.deleteImageTags(pid, [hats[0].id], [state.tags.hat.id]);
  assert.equal(await count(trainer.getUntaggedImageCount(pid)), 1);
  const tagged = await trainer.createImageTags(pid, {
    tags: [{ imageId: hats[0].id, tagId: state.tags.hat.id }],
  });
  assert.equal(tagged.created.length, 1);
  assert.equal(await count(trainer.getUntaggedImageCount(pid)), 0);
}

async function train() {
  const pid = state.project.id;
  let iteration = await trainer.trainProject(pid);
  assert.match(iteration.id, UUID);
  assert.equal(iteration.status, 'Training');
  await assert.rejects(trainer.trainProject(pid),
    (e) => e.code === 'BadRequestTrainingAlreadyInProgress', 'one training at a time');
  for (let i = 0; i < 600 && iteration.status === 'Training'; i++) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    iteration = await trainer.getIteration(pid, iteration.id);
  }
  assert.equal(iteration.status, 'Completed', JSON.stringify(iteration));
  assert.ok(iteration.trainedAt instanceof Date);
  state.iteration = iteration;
  const performance = await trainer.getIterationPerformance(pid, iteration.id, { threshold: 0.5 });
  assert.equal(performance.perTagPerformance.length, 3);
  assert.ok(performance.precision > 0.6 && performance.recall > 0.6, JSON.stringify(performance));
  const strict = await trainer.getIterationPerformance(pid, iteration.id, { threshold: 0.99 });
  assert.ok(strict.recall <= performance.recall, 'a higher threshold recalls less');
}

async function publishAndPredict() {
  const pid = state.project.id;
  await trainer.publishIteration(pid, state.iteration.id, 'garments',
    '/subscriptions/0/resourceGroups/r/providers/Microsoft.CognitiveServices/accounts/ocula');
  const published = await trainer.getIteration(pid, state.iteration.id);
  assert.equal(published.publishName, 'garments');
  let right = 0;
  let total = 0;
  for (const c of classes) {
    for (const [i, bytes] of photos[c].slice(TRAIN).entries()) {
      const result = i === 0
        ? await predictor.classifyImage(pid, 'garments', bytes)
        : await predictor.classifyImageUrl(pid, 'garments', { url: urlOf(`held-${c}.jpg`, bytes) });
      assert.equal(result.iteration, state.iteration.id);
      assert.equal(result.predictions.length, 3);
      const sum = result.predictions.reduce((s, p) => s + p.probability, 0);
      assert.ok(Math.abs(sum - 1) < 1e-3, 'probabilities sum to 1');
      total++;
      if (result.predictions[0].tagName === c) right++;
    }
  }
  assert.ok(right >= total - 1, `${right} of ${total} held-out photos named right`);
  const nostore = await predictor.classifyImageWithNoStore(pid, 'garments', photos.hat[TRAIN]);
  assert.equal(nostore.predictions[0].tagName, 'hat');
  await assert.rejects(predictor.classifyImage(pid, 'no-such-name', photos.hat[TRAIN]),
    (e) => e.statusCode === 404 && e.code === 'NotFoundIteration');
}

// The smart labeler: untagged photos get the iteration's suggestions, which
// are accepted in bulk by tagging them.
async function suggest() {
  const pid = state.project.id;
  const held = [photos.hat[TRAIN + 1], photos.shoes[TRAIN + 1], photos.pants[TRAIN + 1]];
  for (const bytes of held) await trainer.createImagesFromData(pid, bytes);
  assert.equal(await count(trainer.getUntaggedImageCount(pid)), 3);
  const query = await trainer.querySuggestedImages(pid, state.iteration.id, { threshold: 0, maxCount: 10 });
  assert.equal(query.results.length, 3);
  for (const r of query.results) {
    assert.match(r.id, UUID);
    assert.equal(r.predictions.length, 3);
    assert.ok(r.predictionUncertainty >= 0 && r.predictionUncertainty < 1);
  }
  assert.ok(query.results[0].predictionUncertainty <= query.results[2].predictionUncertainty,
    'most certain first');
  const counts = await trainer.querySuggestedImageCount(pid, state.iteration.id,
    { tagIds: classes.map((c) => state.tags[c].id), threshold: 0 });
  const total = Object.values(counts).filter((v) => typeof v === 'number').reduce((a, b) => a + b, 0);
  assert.equal(total, 3, JSON.stringify(counts));
  const one = await trainer.suggestTagsAndRegions(pid, state.iteration.id, [query.results[0].id]);
  assert.equal(one[0].id, query.results[0].id);
  // Accept every suggestion.
  await trainer.createImageTags(pid, {
    tags: query.results.map((r) => ({ imageId: r.id, tagId: r.predictions[0].tagId })),
  });
  assert.equal(await count(trainer.getUntaggedImageCount(pid)), 0);
}

// A 224 x 224 PNG of smooth colours and a deterministic texture: Ocula
// decodes PNG exactly and needs no resize at the model's own size, so that
// this script can build the very input tensor Ocula feeds the model.
function testImage() {
  const size = 224;
  const pixels = new Uint8Array(size * size * 3);  // RGB, top row first
  let seed = 12345;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      const i = (y * size + x) * 3;
      pixels[i] = (x + (seed & 31)) % 256;
      pixels[i + 1] = (y * 2 + ((seed >> 5) & 15)) % 256;
      pixels[i + 2] = ((x + y) * 3) % 256;
    }
  }
  const chunk = (type, data) => {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(data.length, 0);
    head.write(type, 4);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(zlib.crc32(Buffer.concat([head.subarray(4), data])), 0);
    return Buffer.concat([head, data, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header[8] = 8;  // bits per sample
  header[9] = 2;  // RGB
  const rows = Buffer.alloc(size * (1 + size * 3));  // filter byte 0, then the row
  for (let y = 0; y < size; y++) {
    Buffer.from(pixels.buffer, y * size * 3, size * 3).copy(rows, y * (1 + size * 3) + 1);
  }
  const png = Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header), chunk('IDAT', zlib.deflateSync(rows)), chunk('IEND', Buffer.alloc(0)),
  ]);
  return { png, pixels, size };
}

// The export's preprocessing (its "ocula.preprocessing" metadata): NCHW,
// (pixel / 255 - mean[c]) / std[c].
function inputTensor({ pixels, size }) {
  const mean = [0.485, 0.456, 0.406];
  const std = [0.229, 0.224, 0.225];
  const data = new Float32Array(3 * size * size);
  for (let c = 0; c < 3; c++) {
    for (let p = 0; p < size * size; p++) {
      data[c * size * size + p] = (pixels[p * 3 + c] / 255 - mean[c]) / std[c];
    }
  }
  return new ort.Tensor('float32', data, [1, 3, size, size]);
}

async function exportOnnx() {
  const pid = state.project.id;
  const exported = await trainer.exportIteration(pid, state.iteration.id, 'ONNX');
  assert.equal(exported.status, 'Done');
  const listed = await trainer.getExports(pid, state.iteration.id);
  assert.equal(listed[0].downloadUri, exported.downloadUri);
  const response = await fetch(exported.downloadUri, { headers: { 'Training-Key': key } });
  assert.equal(response.status, 200);
  const model = new Uint8Array(await response.arrayBuffer());

  const image = testImage();
  const ocula = await predictor.classifyImage(pid, 'garments', image.png);
  // As Ocula runs it: exact int8 products on CPUs without VNNI (the export's
  // "ocula.runtime" metadata says so).
  const session = await ort.InferenceSession.create(model, {
    extra: { session: { x64quantprecision: '1' } },
  });
  const outputs = await session.run({ input: inputTensor(image) }, ['probabilities']);
  const probabilities = outputs.probabilities.data;
  const order = (await trainer.getIterationPerformance(pid, state.iteration.id))
    .perTagPerformance.map((t) => t.name);
  assert.equal(probabilities.length, order.length);
  for (const p of ocula.predictions) {
    const outside = probabilities[order.indexOf(p.tagName)];
    assert.ok(Math.abs(outside - p.probability) < 1e-4,
      `${p.tagName}: ONNX Runtime ${outside}, Ocula ${p.probability}`);
  }
}

async function cleanUp() {
  const pid = state.project.id;
  await assert.rejects(trainer.deleteIteration(pid, state.iteration.id),
    (e) => e.code === 'BadRequestIterationIsPublished');
  await trainer.unpublishIteration(pid, state.iteration.id);
  await trainer.deleteIteration(pid, state.iteration.id);
  await trainer.deleteProject(pid);
  await assert.rejects(trainer.getProject(pid), (e) => e.statusCode === 404 && e.code === 'NotFoundProject');
}

let failed = 0;
for (const [name, check] of [['createProject', project], ['createTag', tags],
  ['createImagesFromData/Files/Urls, tags, counts', upload], ['trainProject + performance', train],
  ['publishIteration + classifyImage/Url', publishAndPredict],
  ['querySuggestedImages + accept', suggest],
  ['exportIteration + ONNX Runtime', exportOnnx], ['unpublish + delete', cleanUp]]) {
  try {
    await check();
    console.log(`ok   ${name}`);
  } catch (e) {
    failed++;
    console.log(`FAIL ${name}: ${e.stack || e}${e.response ? '\n' + e.response.bodyAsText : ''}`);
    break;  // each step builds on the one before
  }
}
server.close();
process.exit(failed ? 1 : 0);
