// The Classifiers view (#/classifiers, #/classifiers/{projectId}): custom
// classifiers through /v1/custom (docs/custom-vision.md). A person creates a
// project, adds tags and drops labelled photos on each (or picks photos
// already in the gallery), trains and watches
// the iteration finish, reads per-tag precision and recall and the
// confusion matrix, publishes, tries a photo, and labels untagged photos in
// bulk from the iteration's suggestions.

import { apiFetch, getJson, fetchObjectUrl, thumbnailPath, describeError, listImages } from './api.js';
import { el, percent, announce } from './dom.js';

const BASE = '/v1/custom/projects';
const POLL_MS = 1000;

async function send(path, { method = 'POST', json, body, type } = {}) {
  const headers = {};
  if (json !== undefined) headers['Content-Type'] = 'application/json';
  else if (type) headers['Content-Type'] = type;
  const response = await apiFetch(path, {
    method, headers, body: json !== undefined ? JSON.stringify(json) : body,
  });
  return response.status === 204 ? null : response.json();
}

/** A small status line that says what happened, or what went wrong. */
function messageLine(id) {
  const line = el('p', { class: 'form-message', id, role: 'status' });
  return {
    node: line,
    say(text, kind = 'info') { line.textContent = text; line.dataset.kind = kind; },
    fail(error, action) { line.textContent = describeError(error, action); line.dataset.kind = 'error'; },
  };
}

export function createClassifiers({ root }) {
  let projectId = null;  // shown project, or null for the list
  let poll = null;       // the timer following a training
  const thumbs = [];     // object URLs to free when the view changes

  function clear() {
    clearTimeout(poll);
    poll = null;
    for (const url of thumbs.splice(0)) URL.revokeObjectURL(url);
    root.replaceChildren();
  }

  // ---- the list of projects ----

  async function showList() {
    clear();
    const status = messageLine('cv-list-message');
    const name = el('input', { id: 'cv-new-name', name: 'name', required: true, autocomplete: 'off' });
    const type = el('select', { id: 'cv-new-type', name: 'type' },
      el('option', { value: 'Multiclass', text: 'one tag per photo' }),
      el('option', { value: 'Multilabel', text: 'several tags per photo' }));
    const list = el('ul', { id: 'cv-projects', class: 'cv-list' });
    const form = el('form', { class: 'cv-form', id: 'cv-new-project', on: { submit: create } },
      el('label', {}, 'Name ', name), el('label', {}, 'Kind ', type),
      el('button', { type: 'submit', class: 'button primary', text: 'Create classifier' }));
    root.append(el('h2', { id: 'classifiers-heading', text: 'Classifiers' }),
      el('p', { class: 'muted', text: 'Teach Ocula your own classes: a few dozen photos per tag are enough to start.' }),
      form, status.node, list);
    try {
      const projects = await getJson(BASE);
      if (!projects.length) list.append(el('li', { class: 'muted', text: 'No classifier yet.' }));
      for (const p of projects) {
        list.append(el('li', {}, el('a', { href: `#/classifiers/${p.id}`, text: p.name }),
          el('span', { class: 'muted', text: ` ${p.settings.classificationType}` })));
      }
    } catch (error) {
      status.fail(error, 'list classifiers');
    }

    async function create(event) {
      event.preventDefault();
      if (!name.value.trim()) { status.say('Give the classifier a name.', 'error'); name.focus(); return; }
      try {
        const project = await send(BASE, { json: { name: name.value.trim(), classificationType: type.value } });
        location.hash = `#/classifiers/${project.id}`;
      } catch (error) {
        status.fail(error, 'create classifiers');
      }
    }
  }

  // ---- one project ----

  async function showProject(id) {
    clear();
    const status = messageLine('cv-message');
    root.append(el('p', {}, el('a', { href: '#/classifiers', text: '← All classifiers' })), status.node);
    let project;
    try {
      project = await getJson(`${BASE}/${id}`);
    } catch (error) {
      status.fail(error, 'read classifiers');
      return;
    }
    root.append(el('h2', { id: 'classifiers-heading', text: project.name }));
    const sections = {
      tags: el('section', { id: 'cv-tags', class: 'cv-section', 'aria-label': 'Tags' }),
      training: el('section', { id: 'cv-training', class: 'cv-section', 'aria-label': 'Training' }),
      suggestions: el('section', { id: 'cv-suggestions', class: 'cv-section', 'aria-label': 'Suggested tags' }),
    };
    root.append(sections.tags, sections.training, sections.suggestions);
    const refresh = async () => {
      try {
        const [tags, iterations, untagged] = await Promise.all([
          getJson(`${BASE}/${id}/tags`), getJson(`${BASE}/${id}/iterations`),
          getJson(`${BASE}/${id}/images/untagged/count`)]);
        renderTags(sections.tags, tags, untagged, refresh, status);
        await renderTraining(sections.training, tags, iterations, refresh, status);
        renderSuggestions(sections.suggestions, tags, iterations, untagged, refresh, status);
      } catch (error) {
        status.fail(error, 'read classifiers');
      }
    };
    await refresh();
  }

  // Tags with their counts, a file picker per tag, and one for untagged photos.
  function renderTags(section, tags, untagged, refresh, status) {
    const list = el('ul', { class: 'cv-tag-list' });
    for (const tag of tags) {
      list.append(el('li', { class: 'cv-tag', dataset: { tag: tag.name } },
        el('span', { class: 'cv-tag-name', text: tag.name }),
        el('span', { class: 'cv-tag-count muted', text: `${tag.imageCount} photos` }),
        photoPicker(`cv-add-${tag.id}`, 'Add photos…', tag.id, refresh, status),
        el('button', { type: 'button', class: 'button small cv-pick', on: {
          click: () => galleryPicker(section, tag, refresh, status) } }, 'From the gallery…')));
    }
    const name = el('input', { id: 'cv-new-tag', name: 'tag', autocomplete: 'off', 'aria-label': 'New tag' });
    const form = el('form', { class: 'cv-form', on: { submit: async (event) => {
      event.preventDefault();
      if (!name.value.trim()) return;
      try {
        await send(`${BASE}/${projectId}/tags?name=${encodeURIComponent(name.value.trim())}`);
        await refresh();
        document.getElementById('cv-new-tag')?.focus();
      } catch (error) {
        status.fail(error, 'add tags');
      }
    } } }, name, el('button', { type: 'submit', class: 'button', text: 'Add tag' }));
    section.replaceChildren(el('h3', { text: 'Tags' }), list, form,
      el('p', { class: 'muted' }, `Untagged photos: `, el('span', { id: 'cv-untagged', text: String(untagged) }), ' ',
        photoPicker('cv-add-untagged', 'Add untagged photos…', '', refresh, status)));
  }

  // A file input that uploads the chosen photos into the project with `tagId`.
  function photoPicker(id, label, tagId, refresh, status) {
    const input = el('input', { type: 'file', id, multiple: true, accept: 'image/*', class: 'cv-file' });
    input.addEventListener('change', async () => {
      const files = [...input.files];
      let done = 0;
      const query = tagId ? `?tagIds=${tagId}` : '';
      try {
        for (const file of files) {
          status.say(`Uploading ${done + 1} of ${files.length}…`);
          await send(`${BASE}/${projectId}/images${query}`, { body: file, type: file.type || 'application/octet-stream' });
          done++;
        }
        status.say(`${done} photo${done === 1 ? '' : 's'} added.`);
        announce(`${done} photos added.`);
      } catch (error) {
        status.fail(error, 'add photos');
      }
      await refresh();
    });
    return el('label', { class: 'button small cv-file-label' }, label, input);
  }

  // The gallery's newest photos with a check box each; the checked ones are
  // tagged `tag` (taken into the project by id: no second copy).
  async function galleryPicker(section, tag, refresh, status) {
    section.querySelector('.cv-gallery')?.remove();
    const grid = el('ul', { class: 'cv-gallery-grid' });
    const apply = el('button', { type: 'button', class: 'button primary', id: 'cv-pick-apply', text: `Tag as ${tag.name}` });
    const panel = el('div', { class: 'cv-gallery', id: 'cv-gallery' },
      el('p', { class: 'muted', text: `Pick photos of "${tag.name}" from the gallery (newest first):` }), grid, apply);
    section.append(panel);
    try {
      const page = await listImages({ limit: 60 });
      for (const doc of page.images) {
        const img = el('img', { alt: doc.filename || doc.id, class: 'cv-thumb', width: 64, height: 64 });
        fetchObjectUrl(thumbnailPath(doc.id, 128)).then((url) => { thumbs.push(url); img.src = url; }).catch(() => {});
        grid.append(el('li', {}, el('label', { class: 'cv-pick-item' },
          el('input', { type: 'checkbox', value: doc.id, dataset: { name: doc.filename || '' } }), img)));
      }
    } catch (error) {
      status.fail(error, 'list images');
    }
    apply.addEventListener('click', async () => {
      const ids = [...grid.querySelectorAll('input:checked')].map((box) => box.value);
      if (!ids.length) { status.say('Check the photos to tag first.', 'error'); return; }
      try {
        await send(`${BASE}/${projectId}/images/tags`, { json: { tags: ids.map((imageId) => ({ imageId, tagId: tag.id })) } });
        status.say(`${ids.length} photo${ids.length === 1 ? '' : 's'} from the gallery tagged ${tag.name}.`);
        await refresh();
      } catch (error) {
        status.fail(error, 'tag photos');
      }
    });
  }

  // Train, the latest iteration's state and figures, publish, try a photo.
  async function renderTraining(section, tags, iterations, refresh, status) {
    const latest = iterations.at(-1);
    const train = el('button', { type: 'button', id: 'cv-train', class: 'button primary', text: 'Train' });
    train.addEventListener('click', async () => {
      train.disabled = true;
      try {
        await send(`${BASE}/${projectId}/train`);
        status.say('Training…');
        await refresh();
      } catch (error) {
        status.fail(error, 'train');
        train.disabled = false;
      }
    });
    const state = el('p', { id: 'cv-iteration', dataset: { status: latest?.status || 'none' } },
      latest ? `${latest.name}: ${latest.status}` : 'Not trained yet.',
      latest?.error ? ` — ${latest.error}` : '');
    section.replaceChildren(el('h3', { text: 'Training' }), el('div', { class: 'cv-row' }, train, state));
    if (latest?.status === 'Training') {
      train.disabled = true;
      poll = setTimeout(refresh, POLL_MS);
      return;
    }
    const completed = iterations.filter((it) => it.status === 'Completed').at(-1);
    if (!completed) return;
    const performance = await getJson(`${BASE}/${projectId}/iterations/${completed.id}/performance`);
    section.append(performanceTable(performance),
      performance.confusion.length ? confusionTable(performance) : '',  // none for several tags per photo
      publishForm(completed, refresh, status), tryPhoto(completed, status));
  }

  function performanceTable(p) {
    const rows = p.perTagPerformance.map((t) => el('tr', {},
      el('th', { scope: 'row', text: t.name }), el('td', { text: percent(t.precision) }),
      el('td', { text: percent(t.recall) }), el('td', { text: percent(t.averagePrecision) }),
      el('td', { text: String(t.imageCount) })));
    return el('table', { id: 'cv-performance', class: 'cv-table' },
      el('caption', { text: `Cross-validated (${p.folds} folds) at threshold ${p.threshold}: precision ${percent(p.precision)}, recall ${percent(p.recall)}, accuracy ${percent(p.accuracy)}` }),
      el('thead', {}, el('tr', {}, ...['tag', 'precision', 'recall', 'AP', 'photos'].map((h) => el('th', { scope: 'col', text: h })))),
      el('tbody', {}, rows));
  }

  function confusionTable(p) {
    const names = p.perTagPerformance.map((t) => t.name);
    return el('table', { id: 'cv-confusion', class: 'cv-table' },
      el('caption', { text: 'Confusion matrix: rows are the true tags, columns the predicted ones' }),
      el('thead', {}, el('tr', {}, el('th', { text: '' }), names.map((n) => el('th', { scope: 'col', text: n })))),
      el('tbody', {}, p.confusion.map((row, i) => el('tr', {}, el('th', { scope: 'row', text: names[i] }),
        row.map((n, j) => el('td', { class: i === j ? 'cv-diagonal' : '', text: String(n) }))))));
  }

  function publishForm(iteration, refresh, status) {
    const name = el('input', { id: 'cv-publish-name', value: iteration.publishName || 'prod', 'aria-label': 'Published name' });
    const form = el('form', { class: 'cv-form', on: { submit: async (event) => {
      event.preventDefault();
      try {
        await send(`${BASE}/${projectId}/iterations/${iteration.id}/publish?publishName=${encodeURIComponent(name.value)}&predictionId=ocula&overwrite=true`);
        status.say(`Published as "${name.value}".`);
        await refresh();
      } catch (error) {
        status.fail(error, 'publish');
      }
    } } }, name, el('button', { type: 'submit', class: 'button', id: 'cv-publish', text: 'Publish' }));
    return el('div', { class: 'cv-row' }, form, el('span', { id: 'cv-published', class: 'muted',
      text: iteration.publishName ? `published as "${iteration.publishName}"` : 'not published' }));
  }

  function tryPhoto(iteration, status) {
    const result = el('ol', { id: 'cv-try-result', class: 'cv-predictions' });
    const input = el('input', { type: 'file', id: 'cv-try', accept: 'image/*', class: 'cv-file' });
    input.addEventListener('change', async () => {
      const file = input.files[0];
      if (!file) return;
      try {
        const answer = await send(`${BASE}/${projectId}/quicktest/image?iterationId=${iteration.id}`,
          { body: file, type: file.type || 'application/octet-stream' });
        result.replaceChildren(...answer.predictions.map((p) =>
          el('li', { dataset: { tag: p.tagName } }, `${p.tagName} `, el('span', { class: 'muted', text: percent(p.probability) }))));
      } catch (error) {
        status.fail(error, 'try photos');
      }
    });
    return el('div', { class: 'cv-try' }, el('label', { class: 'button small cv-file-label' }, 'Try a photo…', input), result);
  }

  // Untagged photos with the latest iteration's best guess, corrected with a
  // select and accepted together.
  function renderSuggestions(section, tags, iterations, untagged, refresh, status) {
    const completed = iterations.filter((it) => it.status === 'Completed').at(-1);
    section.replaceChildren(el('h3', { text: 'Suggested tags' }));
    if (!completed || !untagged) {
      section.append(el('p', { class: 'muted', text: completed ? 'No untagged photos.' : 'Train first: suggestions come from the latest iteration.' }));
      return;
    }
    const button = el('button', { type: 'button', class: 'button', id: 'cv-suggest', text: `Suggest tags for ${untagged} photos` });
    const list = el('ul', { id: 'cv-suggestion-list', class: 'cv-suggestion-list' });
    const accept = el('button', { type: 'button', class: 'button primary', id: 'cv-accept', text: 'Accept all', hidden: true });
    section.append(button, list, accept);
    button.addEventListener('click', async () => {
      button.disabled = true;
      try {
        const answer = await send(`${BASE}/${projectId}/images/suggested?iterationId=${completed.id}`,
          { json: { maxCount: 100, sortBy: 'UncertaintyAscending' } });
        list.replaceChildren(...answer.results.map((r) => suggestionRow(r, tags)));
        accept.hidden = answer.results.length === 0;
      } catch (error) {
        status.fail(error, 'suggest tags');
      } finally {
        button.disabled = false;
      }
    });
    accept.addEventListener('click', async () => {
      const pairs = [...list.querySelectorAll('select')].filter((s) => s.value)
        .map((s) => ({ imageId: s.dataset.image, tagId: s.value }));
      try {
        await send(`${BASE}/${projectId}/images/tags`, { json: { tags: pairs } });
        status.say(`${pairs.length} photos tagged.`);
        announce(`${pairs.length} photos tagged.`);
        await refresh();
      } catch (error) {
        status.fail(error, 'tag photos');
      }
    });
  }

  function suggestionRow(result, tags) {
    const best = result.predictions[0];
    const select = el('select', { dataset: { image: result.id }, 'aria-label': 'Tag' },
      el('option', { value: '', text: '(skip)' }),
      tags.map((t) => el('option', { value: t.id, text: t.name, selected: t.id === best.tagId })));
    const img = el('img', { alt: '', class: 'cv-thumb', width: 64, height: 64 });
    fetchObjectUrl(thumbnailPath(result.id, 128)).then((url) => { thumbs.push(url); img.src = url; }).catch(() => {});
    return el('li', { class: 'cv-suggestion', dataset: { image: result.id } }, img, select,
      el('span', { class: 'muted', text: `${best.tagName} ${percent(best.probability)}` }));
  }

  return {
    /** Shows the list (`id` null) or project `id`. */
    show(id) {
      projectId = id;
      if (id) showProject(id); else showList();
    },
    hide() {
      projectId = null;
      clear();
    },
  };
}
