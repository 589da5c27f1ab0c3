#!/usr/bin/env node
// End-to-end test of the web front end: starts a real `ocula serve` (with an
// API key, on a free loopback port, in a fresh data directory), drives
// Debian's Chromium through playwright-core, and checks what a person would
// see: sign-in, uploads with progress and errors, live status, the detail view
// with boxes, tag filtering and deletion, a custom classifier made, trained,
// published, tried and used to label photos in bulk, and what a key without
// the upload scope is told. Exits 0 when every step passed, 1 otherwise.
//
//   node tests/e2e/run.mjs [--bin PATH] [--model-dir DIR] [--shared DIR] [--artifacts DIR]
//
// Each option falls back to an environment variable, then to a default:
//   --bin        OCULA_BIN            build/src/app/ocula
//   --model-dir  OCULA_MODEL_DIR      models
//   --shared     OCULA_SHARED_DIR     ../shared (beside the checkout)
//   --artifacts  OCULA_E2E_ARTIFACTS  tests/e2e/artifacts (screenshots, server logs)
// OCULA_CHROMIUM overrides /usr/bin/chromium. OCULA_WEB_DIR, when set, is
// passed on to the servers, which then serve that folder instead of the copy
// built into the binary. Setup: scripts/deps-e2e.sh.

import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, openSync, closeSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '..', '..');
const TOTAL_LIMIT_MS = 150_000;  // the whole run; a normal one takes well under a minute
const READY_LIMIT_MS = 60_000;   // server start-up, models included
const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  // Without these Chromium keeps trying to reach Google services.
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

// ---- options ----

function option(flag, envName, fallback) {
  const i = process.argv.indexOf(flag);
  if (i > 0 && process.argv[i + 1]) return path.resolve(process.argv[i + 1]);
  if (process.env[envName]) return path.resolve(process.env[envName]);
  return fallback;
}

const options = {
  bin: option('--bin', 'OCULA_BIN', path.join(REPO, 'build', 'src', 'app', 'ocula')),
  modelDir: option('--model-dir', 'OCULA_MODEL_DIR', path.join(REPO, 'models')),
  shared: option('--shared', 'OCULA_SHARED_DIR', path.resolve(REPO, '..', 'shared')),
  artifacts: option('--artifacts', 'OCULA_E2E_ARTIFACTS', path.join(HERE, 'artifacts')),
  chromium: process.env.OCULA_CHROMIUM || '/usr/bin/chromium',
};
const PHOTOS = ['dog.jpg', 'horses.jpg', 'person.jpg'].map((name) => path.join(options.shared, 'testdata', 'detect', name));
/** The labelled photos of a garment type (testdata/custom/clothing-types), sorted. */
function garments(kind) {
  const dir = path.join(options.shared, 'testdata', 'custom', 'clothing-types', kind);
  return readdirSync(dir).filter((f) => f.endsWith('.jpg')).sort().map((f) => path.join(dir, f));
}

// ---- logging and failing ----

const started = Date.now();
function log(message) {
  console.log(`[e2e ${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s] ${message}`);
}

/** Stops the run before it starts: the machine lacks something. */
function setupFailure(message) {
  console.error(`E2E SETUP FAILURE: ${message}`);
  process.exit(1);
}

// ---- setup checks (failures, never skips) ----

if (!existsSync(options.chromium)) {
  setupFailure(`${options.chromium} is missing. Install it with scripts/deps-e2e.sh (Debian package "chromium").`);
}
let chromium;
try {
  ({ chromium } = await import('playwright-core'));
} catch (error) {
  setupFailure(`playwright-core is not installed in tests/e2e (${error.message}). Run scripts/deps-e2e.sh.`);
}
if (!existsSync(options.bin)) setupFailure(`the ocula binary ${options.bin} is missing: build it (scripts/build.sh) or pass --bin / OCULA_BIN.`);
for (const photo of PHOTOS) {
  if (!existsSync(photo)) setupFailure(`test photo ${photo} is missing: pass --shared / OCULA_SHARED_DIR (the shared/ folder).`);
}
if (!existsSync(options.modelDir)) setupFailure(`model directory ${options.modelDir} is missing: run scripts/prepare-models.sh or pass --model-dir / OCULA_MODEL_DIR.`);
mkdirSync(options.artifacts, { recursive: true });

// ---- the servers ----

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts `ocula serve` with a fresh data directory and `adminKey` as its
 * bootstrap admin key. Resolves once /readyz answers 200. Returns {base, stop()}.
 */
async function startServer(name, adminKey) {
  const port = await freePort();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), `ocula-e2e-${name}-`));
  const logPath = path.join(options.artifacts, `server-${name}.log`);
  const logFd = openSync(logPath, 'w');
  const env = {
    ...process.env,
    OCULA_DATA_DIR: dataDir,
    OCULA_LISTEN: `127.0.0.1:${port}`,
    OCULA_ADMIN_KEY: adminKey,
    OCULA_MODEL_DIR: options.modelDir,
  };
  const child = spawn(options.bin, ['serve'], { env, stdio: ['ignore', logFd, logFd] });
  closeSync(logFd);
  let exited = null;
  child.on('exit', (code, signal) => { exited = { code, signal }; });
  const base = `http://127.0.0.1:${port}`;
  const server = {
    base,
    async stop() {
      if (!exited) {
        child.kill('SIGTERM');
        const deadline = Date.now() + 5000;
        while (!exited && Date.now() < deadline) await sleep(50);
        if (!exited) child.kill('SIGKILL');
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  servers.push(server);
  const deadline = Date.now() + READY_LIMIT_MS;
  for (;;) {
    if (exited) throw new Error(`ocula serve (${name}) exited with ${exited.code ?? exited.signal} before it was ready:\n${tail(logPath)}`);
    try {
      const response = await fetch(`${base}/readyz`);
      if (response.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`ocula serve (${name}) not ready after ${READY_LIMIT_MS / 1000} s:\n${tail(logPath)}`);
    await sleep(150);
  }
  log(`server "${name}" ready on ${base}`);
  return server;
}

function tail(file, lines = 30) {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const servers = [];
let browser = null;
let page = null;

// ---- the scenario ----

const KEY = `e2e-${randomBytes(12).toString('hex')}`;

/** GET an API path of `server` from the test itself (not the browser). */
async function api(server, apiPath, init = {}) {
  return fetch(`${server.base}${apiPath}`, { ...init, headers: { Authorization: `Bearer ${KEY}`, ...(init.headers || {}) } });
}

/** Waits for `condition()` (in the page) to be truthy; fails with `what` after `ms`. */
async function waitInPage(what, condition, arg, ms = 15_000) {
  try {
    await page.waitForFunction(condition, arg, { timeout: ms, polling: 100 });
  } catch {
    throw new Error(`timed out after ${ms / 1000} s waiting for ${what}`);
  }
}

async function screenshot(name) {
  const file = path.join(options.artifacts, `${name}.png`);
  await page.screenshot({ path: file, animations: 'disabled' });
  const relative = path.relative(process.cwd(), file);
  log(`screenshot ${relative.startsWith('..') ? file : relative}`);
}

/** The gallery's cards as {id, status, name} in page order. */
function cards() {
  return page.$$eval('#gallery .card', (nodes) => nodes.map((n) => ({ id: n.dataset.id, status: n.dataset.status, name: n.dataset.name })));
}

let currentStep = 'setting up';
async function step(name, body) {
  currentStep = name;
  log(`▶ ${name}`);
  await body();
}

async function scenario() {
  const secured = await startServer('secured', KEY);

  browser = await chromium.launch({ executablePath: options.chromium, headless: true, args: CHROMIUM_ARGS });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
  const pageErrors = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('console', (message) => {
    // Failed requests (401 probes, the 415 of the text file) are expected and logged by Chromium.
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) pageErrors.push(`console: ${message.text()}`);
  });

  await step('the page asks for a key', async () => {
    await page.goto(`${secured.base}/`);
    await page.locator('#signin').waitFor({ state: 'visible', timeout: 10_000 });
  });

  await step('a wrong key is refused with a message', async () => {
    await page.fill('#signin-key', 'not-the-key');
    await page.click('#signin-submit');
    await waitInPage('the "key not accepted" message',
      () => /key not accepted/i.test(document.getElementById('signin-message').textContent));
    assert.equal(await page.isVisible('#app'), false, 'the app must stay hidden after a wrong key');
  });

  await step('the right key signs in', async () => {
    await page.fill('#signin-key', KEY);
    await page.click('#signin-submit');
    await page.locator('#app').waitFor({ state: 'visible', timeout: 10_000 });
    assert.equal(await page.isVisible('#sign-out'), true, 'a sign-out button is shown');
    assert.equal(await page.isVisible('#open-note'), false, 'no "open server" note on a server with a key');
    await waitInPage('the live event stream to connect', () => document.getElementById('live').dataset.state === 'live');
    // Survives only as long as the page is not reloaded.
    await page.evaluate(() => { window.e2eNoReload = true; });
    // Records every status each card shows, in order: {id: ['pending', 'processing', 'done']}.
    await page.evaluate(() => {
      window.e2eStatuses = {};
      const note = (card) => {
        const seen = (window.e2eStatuses[card.dataset.id] ||= []);
        if (seen.at(-1) !== card.dataset.status) seen.push(card.dataset.status);
      };
      new MutationObserver((mutations) => {
        for (const m of mutations) {
          if (m.type === 'attributes' && m.target.classList.contains('card')) note(m.target);
          for (const node of m.addedNodes || []) if (node.classList?.contains('card')) note(node);
        }
      }).observe(document.getElementById('gallery'), { childList: true, attributes: true, subtree: true, attributeFilter: ['data-status'] });
    });
  });

  await step('three photos upload, each with its own progress bar', async () => {
    await page.setInputFiles('#file-input', PHOTOS);
    await waitInPage('3 uploads to finish', () => document.querySelectorAll('.upload-row[data-state="done"]').length === 3);
    const overall = await page.textContent('#overall-text');
    assert.match(overall, /3 of 3 uploaded/, `overall progress text: ${overall}`);
    assert.equal(await page.$$eval('.upload-row progress', (bars) => bars.every((b) => b.value === b.max)), true,
      'every per-file bar is full');
  });

  await step('the three cards turn "done" live, without a reload', async () => {
    await waitInPage('3 cards with status done', () => {
      const done = document.querySelectorAll('#gallery .card[data-status="done"]');
      return done.length === 3;
    }, undefined, 30_000);
    await waitInPage('3 thumbnails', () => document.querySelectorAll('#gallery .card.has-thumb').length === 3);
    const shown = await cards();
    assert.deepEqual(shown.map((c) => c.name).sort(), ['dog.jpg', 'horses.jpg', 'person.jpg']);
    assert.equal(await page.evaluate(() => window.e2eNoReload), true, 'the page was not reloaded');
    assert.equal(await page.getAttribute('#live', 'data-state'), 'live', 'updates came over the event stream');
    const statuses = await page.evaluate(() => window.e2eStatuses);
    for (const card of shown) log(`  ${card.name}: ${statuses[card.id].join(' → ')}`);
    assert.ok(shown.some((card) => statuses[card.id].length > 1),
      'at least one card was seen before it was done, and changed live');
    // Newest first: person.jpg was uploaded last... unless uploads finished out of
    // order (3 run at once), so compare with the server's own order instead.
    const listed = await (await api(secured, '/v1/images?limit=10')).json();
    assert.deepEqual(shown.map((c) => c.id), listed.images.map((d) => d.id), 'the gallery is in the server\'s newest-first order');
    await screenshot('after-upload');
  });

  await step('a text file is refused with "not an image"', async () => {
    const textFile = path.join(options.artifacts, 'notes.txt');
    writeFileSync(textFile, 'This is a text file, not a photo.\n');
    await page.setInputFiles('#file-input', textFile);
    await waitInPage('the upload error', () => document.querySelector('.upload-row[data-name="notes.txt"]')?.dataset.state === 'error');
    const text = await page.textContent('.upload-row[data-name="notes.txt"] .upload-state');
    assert.match(text, /not an image/i, `the per-file error reads: ${text}`);
    assert.equal((await cards()).length, 3, 'no card for the refused file');
  });

  const dogId = (await cards()).find((c) => c.name === 'dog.jpg').id;
  const dogDoc = await (await api(secured, `/v1/images/${dogId}`)).json();

  await step('dog.jpg opens with the keyboard and shows its caption, tags and boxes', async () => {
    await page.focus(`#gallery .card[data-id="${dogId}"] a`);
    await page.keyboard.press('Enter');
    await page.locator('#detail').waitFor({ state: 'visible', timeout: 5000 });
    assert.equal(await page.evaluate(() => location.hash), `#/images/${dogId}`);
    await waitInPage('the image to load', () => document.getElementById('detail-stage').classList.contains('loaded'));
    // The headline is the server's first caption; the Caption section lists them all.
    const captions = (dogDoc.analysis?.description?.captions || []).map((c) => c.text);
    assert.ok(captions.length, 'the server captioned dog.jpg');
    const headline = (await page.textContent('#detail-title')).trim();
    assert.equal(headline.toLowerCase(), captions[0].toLowerCase(), 'the title is the first caption');
    const listed = await page.$$eval('#detail-info .info-section', (sections) => {
      const section = sections.find((s) => s.querySelector('h3')?.textContent === 'Caption');
      return section ? section.textContent : '';
    });
    for (const caption of captions) assert.ok(listed.includes(caption), `the Caption section shows "${caption}"`);
    log(`  caption: "${captions[0]}"`);
    const tagNames = await page.$$eval('#detail-info .info-section', (sections) => {
      const tags = sections.find((s) => s.querySelector('h3')?.textContent === 'Tags');
      return tags ? [...tags.querySelectorAll('.bar-name')].map((n) => n.firstChild.textContent.trim()) : [];
    });
    const expectedTags = (dogDoc.analysis?.tags || []).map((t) => t.name);
    assert.ok(expectedTags.includes('dog'), `the server tagged dog.jpg "dog" (tags: ${expectedTags})`);
    assert.deepEqual(tagNames, expectedTags, 'the detail view lists the server\'s tags');
    const expectedBoxes = (dogDoc.analysis?.objects || []).length + (dogDoc.analysis?.faces || []).length;
    assert.ok(expectedBoxes > 0, 'the server found objects in dog.jpg');
    const boxes = await page.$$eval('#detail-boxes .box', (nodes) => nodes.map((n) => {
      const r = n.getBoundingClientRect();
      return { label: n.textContent, width: r.width, height: r.height, left: r.left, top: r.top, right: r.right, bottom: r.bottom };
    }));
    assert.equal(boxes.length, expectedBoxes, 'one box per object and face');
    const stage = await page.$eval('#detail-stage', (n) => n.getBoundingClientRect().toJSON());
    for (const box of boxes) {
      assert.ok(box.width > 2 && box.height > 2, `box "${box.label}" is drawn (${box.width}×${box.height})`);
      assert.ok(box.left >= stage.left - 1 && box.right <= stage.right + 1 && box.top >= stage.top - 1 && box.bottom <= stage.bottom + 1,
        `box "${box.label}" lies on the image`);
    }
    assert.ok(boxes.some((b) => /^dog\b/.test(b.label)), `a box is labelled dog (${boxes.map((b) => b.label)})`);
    assert.ok(await page.locator('#detail-boxes .box').first().isVisible(), 'the first box is visible');
    await screenshot('detail');
  });

  await step('Escape closes the detail view and gives the focus back', async () => {
    await page.keyboard.press('Escape');
    await page.locator('#detail').waitFor({ state: 'hidden', timeout: 5000 });
    await waitInPage('the route to go back to #/', () => location.hash === '#/');
    const focused = await page.evaluate(() => document.activeElement?.closest('.card')?.dataset.id);
    assert.equal(focused, dogId, 'the focus is back on the dog card');
  });

  await step('filtering by a tag shows only the matching images', async () => {
    const docs = (await (await api(secured, '/v1/images?limit=10')).json()).images;
    const has = (doc, tag) => (doc.analysis?.tags || []).some((t) => t.name === tag);
    // A tag of dog.jpg that not every image has ("dog" when it is such a tag).
    const candidates = (dogDoc.analysis?.tags || []).map((t) => t.name)
      .filter((tag) => docs.filter((d) => has(d, tag)).length < docs.length);
    assert.ok(candidates.length, 'dog.jpg has a tag that some other image lacks');
    const tag = candidates.includes('dog') ? 'dog' : candidates[0];
    const expected = docs.filter((d) => has(d, tag)).map((d) => d.id);
    await waitInPage(`the tag list to offer "${tag}"`,
      (t) => [...document.querySelectorAll('#filter-tag option')].some((o) => o.value === t), tag);
    await page.selectOption('#filter-tag', tag);
    await waitInPage(`the gallery to show the ${expected.length} image(s) tagged "${tag}"`, (ids) => {
      const shown = [...document.querySelectorAll('#gallery .card')].map((n) => n.dataset.id);
      return shown.length === ids.length && ids.every((id) => shown.includes(id));
    }, expected);
    await waitInPage('the filtered page to finish loading', () => document.getElementById('sentinel').dataset.state === 'end'
      && [...document.querySelectorAll('#gallery .card')].every((card) => card.classList.contains('has-thumb')));
    assert.deepEqual((await cards()).map((c) => c.id), expected, `only images tagged "${tag}" are shown`);
    const summary = await page.textContent('#gallery-summary');
    assert.ok(summary.includes(tag), `the summary names the filter: ${summary}`);
    log(`  tag "${tag}": ${expected.length} of ${docs.length} images`);
    await screenshot('filtered');
    await page.click('#filters-reset');
    await waitInPage('all 3 cards to come back', () => document.querySelectorAll('#gallery .card').length === 3);
  });

  await step('after a reload the key, the cards and their file names are still there', async () => {
    await page.reload();
    await waitInPage('3 cards after the reload', () => document.querySelectorAll('#gallery .card[data-status="done"]').length === 3);
    assert.deepEqual((await cards()).map((c) => c.name).sort(), ['dog.jpg', 'horses.jpg', 'person.jpg'],
      'file names come from the server, not from the tab');
  });

  await step('deleting an image removes its card and the image itself', async () => {
    const horses = (await cards()).find((c) => c.name === 'horses.jpg');
    await page.click(`#gallery .card[data-id="${horses.id}"] a`);
    await page.locator('#detail').waitFor({ state: 'visible', timeout: 5000 });
    await page.click('#detail-delete');
    await page.locator('#delete-confirm').waitFor({ state: 'visible' });
    await page.click('#delete-yes');
    await page.locator('#detail').waitFor({ state: 'hidden', timeout: 5000 });
    await waitInPage('the card to go', (id) => !document.querySelector(`#gallery .card[data-id="${id}"]`), horses.id);
    assert.equal((await cards()).length, 2, 'two cards remain');
    const response = await api(secured, `/v1/images/${horses.id}`);
    assert.equal(response.status, 404, 'GET of the deleted image answers 404');
  });

  await step('Classifiers: a new one gets tags and labelled photos per tag', async () => {
    await page.click('#nav-classifiers');
    await page.locator('#cv-new-project').waitFor({ state: 'visible', timeout: 5000 });
    assert.equal(await page.isVisible('#gallery'), false, 'the gallery makes way for the view');
    await page.fill('#cv-new-name', 'garments');
    await page.click('#cv-new-project button[type=submit]');
    await page.locator('#cv-tags').waitFor({ state: 'visible', timeout: 5000 });
    for (const tag of ['hat', 'shoes']) {
      await page.fill('#cv-new-tag', tag);
      await page.click('#cv-tags form button[type=submit]');
      await waitInPage(`the tag ${tag}`, (t) => document.querySelector(`.cv-tag[data-tag="${t}"]`), tag);
      await page.setInputFiles(`.cv-tag[data-tag="${tag}"] input[type=file]`, garments(tag).slice(0, 6));
      await waitInPage(`6 ${tag} photos`, (t) =>
        document.querySelector(`.cv-tag[data-tag="${t}"] .cv-tag-count`)?.textContent === '6 photos', tag, 30_000);
    }
  });

  await step('training shows its progress, then precision, recall and the confusion matrix', async () => {
    await page.click('#cv-train');
    await waitInPage('the iteration to complete', () =>
      document.getElementById('cv-iteration')?.dataset.status === 'Completed', undefined, 60_000);
    assert.equal(await page.$$eval('#cv-performance tbody tr', (rows) => rows.length), 2, 'one row per tag');
    assert.equal(await page.$$eval('#cv-confusion tbody td', (cells) => cells.length), 4, 'a 2 x 2 matrix');
    const caption = await page.textContent('#cv-performance caption');
    assert.match(caption, /precision \d+%, recall \d+%/, caption);
    await screenshot('classifier-trained');
  });

  await step('publishing, then trying a photo it has not seen', async () => {
    await page.click('#cv-publish');
    await waitInPage('"published as prod"', () => /published as "prod"/.test(document.getElementById('cv-published')?.textContent || ''));
    await page.setInputFiles('#cv-try', garments('shoes')[8]);
    await waitInPage('predictions for the photo', () => document.querySelector('#cv-try-result li'));
    assert.equal(await page.getAttribute('#cv-try-result li', 'data-tag'), 'shoes');
  });

  await step('suggested tags label untagged photos in bulk', async () => {
    await page.setInputFiles('#cv-add-untagged', [garments('hat')[7], garments('shoes')[7]]);
    await waitInPage('2 untagged photos', () => document.getElementById('cv-untagged')?.textContent === '2', undefined, 30_000);
    await page.click('#cv-suggest');
    await waitInPage('2 suggestions', () => document.querySelectorAll('.cv-suggestion').length === 2, undefined, 30_000);
    const chosen = await page.$$eval('.cv-suggestion select', (selects) =>
      selects.map((s) => s.selectedOptions[0].textContent).sort());
    assert.deepEqual(chosen, ['hat', 'shoes'], 'each photo gets its own garment');
    await screenshot('classifier-suggestions');
    await page.click('#cv-accept');
    await waitInPage('no untagged photo left', () => document.getElementById('cv-untagged')?.textContent === '0');
    assert.equal(await page.textContent('.cv-tag[data-tag="hat"] .cv-tag-count'), '7 photos');
  });

  await step('photos already in the gallery are tagged from a picker, without a second copy', async () => {
    const before = (await (await api(secured, '/v1/images?limit=100')).json()).images.length;
    await page.click('.cv-tag[data-tag="shoes"] .cv-pick');
    await waitInPage('the gallery picker', () => document.querySelectorAll('#cv-gallery input[type=checkbox]').length > 0);
    // The dog photo uploaded at the start is not a shoe, but a person may say so.
    await page.check('#cv-gallery input[data-name="dog.jpg"]');
    await page.click('#cv-pick-apply');
    await waitInPage('8 shoes', () =>
      document.querySelector('.cv-tag[data-tag="shoes"] .cv-tag-count')?.textContent === '8 photos');
    const after = (await (await api(secured, '/v1/images?limit=100')).json()).images.length;
    assert.equal(after, before, 'the gallery holds the same images');
    await page.click('#nav-images');
    await page.locator('#gallery').waitFor({ state: 'visible', timeout: 5000 });
  });

  await step('signing out forgets the key', async () => {
    await page.click('#sign-out');
    await page.locator('#signin').waitFor({ state: 'visible', timeout: 5000 });
    assert.equal(await page.evaluate(() => Object.keys(sessionStorage).length), 0, 'sessionStorage is empty');
    assert.equal(await page.isVisible('#app'), false);
  });

  await step('a read-only key sees the gallery, and an upload says the scope is missing', async () => {
    const created = await api(secured, '/v1/keys', {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'e2e viewer', scopes: ['images:read'] }),
    });
    assert.equal(created.status, 201, 'an admin creates a read-only key');
    const viewerKey = (await created.json()).key;
    await page.fill('#signin-key', viewerKey);
    await page.click('#signin-submit');
    await page.locator('#app').waitFor({ state: 'visible', timeout: 10_000 });
    // The 2 photos left, and those the classifier steps added.
    const listed = (await (await api(secured, '/v1/images?limit=100')).json()).images.length;
    assert.ok(listed >= 2 && listed <= 30, `${listed} images: one page of the gallery`);
    await waitInPage(`the ${listed} cards`, (n) => document.querySelectorAll('#gallery .card').length === n, listed);
    await page.setInputFiles('#file-input', path.join(options.shared, 'testdata/detect/eagle.jpg'));
    await waitInPage('the refused upload', () => document.querySelector('.upload-row[data-name="eagle.jpg"]')?.dataset.state === 'error');
    const text = await page.textContent('.upload-row[data-name="eagle.jpg"] .upload-state');
    assert.match(text, /lacks the scope/i, `the per-file error reads: ${text}`);
    await screenshot('read-only-key');
  });

  assert.deepEqual(pageErrors, [], 'no script errors in the page');
}

// ---- run ----

async function cleanUp() {
  await browser?.close().catch(() => {});
  await Promise.all(servers.map((server) => server.stop().catch(() => {})));
}

const watchdog = setTimeout(async () => {
  console.error(`E2E FAILED: the run took longer than ${TOTAL_LIMIT_MS / 1000} s`);
  await cleanUp();
  process.exit(1);
}, TOTAL_LIMIT_MS);

let failed = false;
try {
  await scenario();
} catch (error) {
  failed = true;
  // Playwright colours its call logs; a CI log reads better without.
  const plain = (text) => String(text).replace(/\x1b\[[0-9;]*m/g, '');
  console.error(`E2E FAILED at step "${currentStep}": ${plain(error.message)}`);
  if (error.stack && !(error instanceof assert.AssertionError) && error.name !== 'TimeoutError') {
    console.error(plain(error.stack));
  }
  if (page) await page.screenshot({ path: path.join(options.artifacts, 'failure.png') }).catch(() => {});
  console.error(`Screenshots and server logs: ${options.artifacts}`);
}
await cleanUp();
clearTimeout(watchdog);
log(failed ? 'failed' : 'all steps passed');
process.exit(failed ? 1 : 0);
