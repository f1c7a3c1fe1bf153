// petiscan review page. Plain JavaScript, no library, no network beyond this
// server. Every piece of data is put in the page with textContent (never
// innerHTML), so a name or a reason can never become markup.
'use strict';

// ------------------------------------------------------------------ texts
const TEXT = {
  fr: {
    title: 'Révision',
    queue: "File d'attente",
    qa: 'Contrôle qualité',
    all_reasons: 'Toutes les raisons',
    all_batches: 'Tous les lots',
    lang_switch: 'English',
    login_title: 'Bienvenue',
    login_text: 'Indiquez votre nom : il accompagne chacune de vos décisions.',
    login_placeholder: 'Votre nom',
    login_button: 'Commencer',
    change_name: 'changer',
    left: 'Reste',
    rows: 'lignes',
    sheets: 'feuilles',
    today: "Aujourd'hui",
    you: 'vous',
    per_hour: 'lignes/h (vous)',
    team_per_hour: 'équipe',
    qa_tally: 'Contrôles',
    qa_errors: 'erreurs',
    source: 'Fichier',
    page: 'page',
    row: 'ligne',
    confidence: 'confiance',
    signature: 'Signature',
    postal_code: 'Code postal',
    context: 'Lignes voisines',
    machine: 'Lecture de la machine',
    machine_signed: 'signée',
    machine_unsigned: 'non signée',
    machine_no_code: 'aucun code',
    others: 'Autres lectures',
    signed: 'Signée',
    unsigned: 'Non signée',
    no_code: 'Pas de code',
    illegible: 'Illisible',
    code_ok: 'Code valide',
    code_empty: 'Aucun code : Entrée enregistre la ligne sans code',
    code_partial: 'Continuez la saisie…',
    want_letter: 'une lettre',
    want_digit: 'un chiffre',
    at_position: 'caractère {0} : {1} attendu',
    bad_letter: 'caractère {0} : {1} n’existe pas à cette place (jamais D F I O Q U, ni W Z en tête)',
    accept: 'Valider',
    undo: 'Annuler',
    prev: 'Précédent',
    next: 'Passer',
    saved: 'Enregistré',
    saved_undo: 'Enregistré — Ctrl+Z pour annuler',
    undone: 'Décision annulée',
    empty: 'Rien à réviser',
    empty_text: 'La file est vide pour ce filtre. Merci !',
    qa_empty: 'Aucune ligne acceptée à contrôler',
    qa_banner: 'Contrôle qualité : ligne acceptée automatiquement. Entrée si tout est juste, sinon corrigez puis Entrée.',
    qa_ok: 'Juste — merci',
    qa_wrong: 'Erreur notée et corrigée',
    sheet_title: 'Tableau introuvable : lisez la page entière',
    sheet_help: 'Cochez les lignes signées et tapez leur code postal, ou indiquez que ce n’est pas une feuille de signatures.',
    sheet_save: 'Enregistrer ces lignes',
    not_sheet: 'Pas une feuille de signatures',
    dup_title: 'Re-numérisation probable : est-ce la même feuille ?',
    dup_this: 'Cette page',
    dup_earlier: 'Page déjà numérisée',
    dup_same: 'Même feuille',
    dup_different: 'Feuilles différentes',
    image_missing: 'Image indisponible',
    key_enter: 'Entrée',
    key_type: 'A–Z 0–9',
    key_space: 'Espace',
    key_minus: '−',
    key_question: '?',
    key_undo: 'Ctrl+Z',
    key_arrows: '← →',
    key_esc: 'Échap',
    key_ctrl_enter: 'Ctrl+Entrée',
    key_n: 'N',
    key_m: 'M',
    key_d: 'D',
    legend_accept: 'valider',
    legend_type: 'taper le code (remplace la lecture)',
    legend_space: 'signée / non signée',
    legend_minus: 'pas de code',
    legend_question: 'illisible',
    legend_undo: 'annuler la dernière décision',
    legend_arrows: 'précédent / passer',
    legend_esc: 'revenir à la lecture machine',
    legend_save_sheet: 'enregistrer les lignes',
    legend_not_sheet: 'pas une feuille (Échap pour sortir des cases)',
    legend_same: 'même feuille',
    legend_different: 'feuilles différentes',
    conflict: 'Conflit',
    error: 'Erreur',
    offline: 'Serveur injoignable',
    reasons: {
      uncertain_signature: 'Signature incertaine',
      uncertain_code: 'Code incertain',
      signature_without_code: 'Signature sans code',
      code_without_signature: 'Code sans signature',
      table_not_found: 'Tableau introuvable',
      uncertain_orientation: 'Sens de la feuille incertain',
      suspected_duplicate: 'Re-numérisation probable',
    },
  },
  en: {
    title: 'Review',
    queue: 'Queue',
    qa: 'Quality check',
    all_reasons: 'All reasons',
    all_batches: 'All batches',
    lang_switch: 'Français',
    login_title: 'Welcome',
    login_text: 'Please give your name: it goes with each of your decisions.',
    login_placeholder: 'Your name',
    login_button: 'Start',
    change_name: 'change',
    left: 'Left',
    rows: 'rows',
    sheets: 'sheets',
    today: 'Today',
    you: 'you',
    per_hour: 'rows/h (you)',
    team_per_hour: 'team',
    qa_tally: 'Checks',
    qa_errors: 'errors',
    source: 'File',
    page: 'page',
    row: 'row',
    confidence: 'confidence',
    signature: 'Signature',
    postal_code: 'Postal code',
    context: 'Neighbouring rows',
    machine: "Machine's reading",
    machine_signed: 'signed',
    machine_unsigned: 'not signed',
    machine_no_code: 'no code',
    others: 'Other readings',
    signed: 'Signed',
    unsigned: 'Not signed',
    no_code: 'No code',
    illegible: 'Illegible',
    code_ok: 'Valid code',
    code_empty: 'No code: Enter saves the row without a code',
    code_partial: 'Keep typing…',
    want_letter: 'a letter',
    want_digit: 'a digit',
    at_position: 'character {0}: {1} expected',
    bad_letter: 'character {0}: {1} never appears here (never D F I O Q U, nor a leading W Z)',
    accept: 'Accept',
    undo: 'Undo',
    prev: 'Previous',
    next: 'Skip',
    saved: 'Saved',
    saved_undo: 'Saved — Ctrl+Z to undo',
    undone: 'Decision undone',
    empty: 'Nothing to review',
    empty_text: 'The queue is empty for this filter. Thank you!',
    qa_empty: 'No accepted row left to check',
    qa_banner: 'Quality check: this row was accepted automatically. Enter if it is right, otherwise correct it, then Enter.',
    qa_ok: 'Right — thank you',
    qa_wrong: 'Error recorded and corrected',
    sheet_title: 'Table not found: read the whole page',
    sheet_help: 'Tick the signed rows and type their postal codes, or say this is not a signature sheet.',
    sheet_save: 'Save these rows',
    not_sheet: 'Not a signature sheet',
    dup_title: 'Suspected re-scan: is it the same sheet?',
    dup_this: 'This page',
    dup_earlier: 'Page scanned earlier',
    dup_same: 'Same sheet',
    dup_different: 'Different sheets',
    image_missing: 'Image unavailable',
    key_enter: 'Enter',
    key_type: 'A–Z 0–9',
    key_space: 'Space',
    key_minus: '−',
    key_question: '?',
    key_undo: 'Ctrl+Z',
    key_arrows: '← →',
    key_esc: 'Esc',
    key_ctrl_enter: 'Ctrl+Enter',
    key_n: 'N',
    key_m: 'S',
    key_d: 'D',
    legend_accept: 'accept',
    legend_type: 'type the code (replaces the reading)',
    legend_space: 'signed / not signed',
    legend_minus: 'no code',
    legend_question: 'illegible',
    legend_undo: 'undo the last decision',
    legend_arrows: 'previous / skip',
    legend_esc: "back to the machine's reading",
    legend_save_sheet: 'save the rows',
    legend_not_sheet: 'not a sheet (Esc to leave the fields)',
    legend_same: 'same sheet',
    legend_different: 'different sheets',
    conflict: 'Conflict',
    error: 'Error',
    offline: 'Server unreachable',
    reasons: {
      uncertain_signature: 'Uncertain signature',
      uncertain_code: 'Uncertain code',
      signature_without_code: 'Signature without a code',
      code_without_signature: 'Code without a signature',
      table_not_found: 'Table not found',
      uncertain_orientation: 'Uncertain sheet orientation',
      suspected_duplicate: 'Suspected re-scan',
    },
  },
};

const state = {
  lang: localStorage.getItem('petiscan.lang') === 'en' ? 'en' : 'fr',
  csrf: '',
  session: sessionStorage.getItem('petiscan.session') || '',
  name: localStorage.getItem('petiscan.name') || '',
  mode: 'queue',            // 'queue' | 'qa'
  filter: { reason: '', batch: null },
  filters: { reasons: [], batches: [] },
  progress: null,
  item: null,               // the item on screen
  upcoming: [],
  history: [],              // keys of items seen, for ←
  skipped: [],              // keys skipped with →
  typed: null,              // code typed by the reviewer (null: showing the guess)
  spaceTaken: false,        // the space after 3 characters was a separator
  signed: false,
  busy: false,
};

function t(key, ...args) {
  let s = TEXT[state.lang][key];
  if (s === undefined) s = TEXT.fr[key] || key;
  return s.replace(/\{(\d)\}/g, (_, i) => String(args[Number(i)]));
}

function reasonLabel(reason) {
  return TEXT[state.lang].reasons[reason] || reason;
}

// ------------------------------------------------------------------ DOM

// el('div', {class: 'x', onclick: f}, child, 'text', ...): text children
// become text nodes, never markup.
function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'class') node.className = v;
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else if (k === 'text') node.textContent = v;
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

const $ = (id) => document.getElementById(id);

function pct(x) {
  return Math.round(x * 100) + ' %';
}

// ------------------------------------------------------------------ API

class ApiFailure extends Error {
  constructor(status, body) {
    const msg = body && body.message ? body.message[state.lang] || body.message.fr : String(status);
    super(msg);
    this.status = status;
    this.code = body && body.error;
    this.body = body;
  }
}

async function api(method, path, body) {
  const headers = { 'X-Petiscan-Session': state.session };
  if (method === 'POST') {
    headers['Content-Type'] = 'application/json';
    headers['X-Petiscan-CSRF'] = state.csrf;
  }
  let res;
  try {
    res = await fetch(path, {
      method,
      headers,
      body: method === 'POST' ? JSON.stringify(body || {}) : undefined,
      credentials: 'same-origin',
    });
  } catch (e) {
    throw new ApiFailure(0, { error: 'offline', message: { fr: TEXT.fr.offline, en: TEXT.en.offline } });
  }
  let data = null;
  try {
    data = await res.json();
  } catch (e) {
    data = null;
  }
  if (!res.ok) {
    const failure = new ApiFailure(res.status, data);
    if (failure.code === 'no_session') {
      state.session = '';
      sessionStorage.removeItem('petiscan.session');
      if (state.name) {
        await login(state.name);           // server restarted: sign in again silently
        return api(method, path, body);
      }
      showLogin();
    }
    throw failure;
  }
  return data;
}

let toastTimer = null;
function toast(message, kind) {
  const box = $('toast');
  box.textContent = message;
  box.className = 'toast show ' + (kind || '');
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { box.className = 'toast'; }, kind === 'error' ? 6000 : 1800);
}

function fail(e) {
  const title = e.status === 409 ? t('conflict') : t('error');
  toast(title + ' : ' + e.message, 'error');
}

// ------------------------------------------------------------------ postal code

// The Canadian grammar, for live feedback only (the server decides):
// letter digit letter digit letter digit; never D F I O Q U; W and Z never first.
const FIRST_LETTERS = 'ABCEGHJKLMNPRSTVXY';
const OTHER_LETTERS = 'ABCEGHJKLMNPRSTVWXYZ';

function checkCode(compact) {
  for (let i = 0; i < compact.length; i++) {
    const c = compact[i];
    const wantDigit = i % 2 === 1;
    if (wantDigit) {
      if (!/[0-9]/.test(c)) return { ok: false, message: t('at_position', i + 1, t('want_digit')) };
    } else {
      if (!/[A-Z]/.test(c)) return { ok: false, message: t('at_position', i + 1, t('want_letter')) };
      const allowed = i === 0 ? FIRST_LETTERS : OTHER_LETTERS;
      if (!allowed.includes(c)) return { ok: false, message: t('bad_letter', i + 1, c) };
    }
  }
  if (compact.length === 0) return { ok: true, empty: true, message: t('code_empty') };
  if (compact.length < 6) return { ok: false, partial: true, message: t('code_partial') };
  return { ok: true, message: t('code_ok') };
}

const compactOf = (code) => (code || '').replace(/\s+/g, '').toUpperCase();
const canonical = (compact) => (compact.length === 6 ? compact.slice(0, 3) + ' ' + compact.slice(3) : compact);

// ------------------------------------------------------------------ images

function image(src, cls, alt) {
  if (!src) return el('div', { class: cls + ' missing', text: t('image_missing') });
  const img = el('img', { class: cls, src, alt: alt || '', decoding: 'async' });
  img.addEventListener('error', async () => {
    // Ask the server why (the original moved, changed...), then say it in words.
    let why = t('image_missing');
    try {
      const res = await fetch(src, { credentials: 'same-origin' });
      const body = await res.json();
      if (body && body.message) why = body.message[state.lang] || why;
    } catch (e) { /* keep the generic text */ }
    img.replaceWith(el('div', { class: cls + ' missing', text: why }));
  }, { once: true });
  return img;
}

const prefetched = new Set();
function prefetch(items) {
  for (const item of items) {
    const urls = [];
    if (item.type === 'row') {
      urls.push(item.images.signature, item.images.code, item.images.row);
      for (const n of item.neighbours) urls.push(n.image);
    } else {
      urls.push(item.image);
      if (item.other) urls.push(item.other.image);
    }
    for (const u of urls) {
      if (!u || prefetched.has(u)) continue;
      prefetched.add(u);
      const img = new Image();
      img.decoding = 'async';
      img.src = u;
    }
  }
}

// ------------------------------------------------------------------ header

function renderChrome() {
  document.documentElement.lang = state.lang;
  document.title = 'petiscan — ' + t('title');
  $('brand-sub').textContent = t('title');
  $('lang').textContent = t('lang_switch');

  const modes = $('modes');
  modes.replaceChildren(
    el('button', { type: 'button', class: state.mode === 'queue' ? 'active' : '', 'data-mode': 'queue', onclick: () => switchMode('queue') }, t('queue')),
    el('button', { type: 'button', class: state.mode === 'qa' ? 'active' : '', 'data-mode': 'qa', onclick: () => switchMode('qa') }, t('qa')),
  );

  const reason = el('select', { id: 'filter-reason', 'aria-label': t('all_reasons'), disabled: state.mode === 'qa' },
    el('option', { value: '' }, t('all_reasons')),
    state.filters.reasons.map((r) => el('option', { value: r.reason, selected: r.reason === state.filter.reason },
      reasonLabel(r.reason) + ' (' + r.count + ')')));
  reason.addEventListener('change', () => { state.filter.reason = reason.value; restartQueue(); reason.blur(); });
  const batch = el('select', { id: 'filter-batch', 'aria-label': t('all_batches') },
    el('option', { value: '' }, t('all_batches')),
    state.filters.batches.map((b) => el('option', { value: b.id, selected: b.id === state.filter.batch }, b.name)));
  batch.addEventListener('change', () => { state.filter.batch = batch.value ? Number(batch.value) : null; restartQueue(); batch.blur(); });
  $('filters').replaceChildren(reason, batch);

  $('who').replaceChildren(state.name ? el('span', { class: 'name' }, state.name) : '',
    state.name ? el('button', { type: 'button', class: 'link', onclick: () => showLogin() }, t('change_name')) : '');
  renderProgress();
  renderLegend();
}

function renderProgress() {
  const p = state.progress;
  if (!p) { $('progress').replaceChildren(); return; }
  const stat = (label, value, extra) => el('div', { class: 'stat' }, el('span', { class: 'label' }, label), el('strong', {}, value), extra ? el('span', { class: 'extra' }, extra) : '');
  const total = p.rows_left + p.sheets_left;
  const done = p.done_today;
  const ratio = total + done > 0 ? done / (total + done) : 1;
  $('progress').replaceChildren(
    stat(t('left'), String(p.rows_left), t('rows') + ' · ' + p.sheets_left + ' ' + t('sheets')),
    stat(t('today'), String(p.done_today), t('you') + ' : ' + p.mine_today),
    stat(t('per_hour'), String(p.my_rows_per_hour), t('team_per_hour') + ' : ' + p.team_rows_per_hour),
    stat(t('qa_tally'), String(p.qa.checked), p.qa.errors + ' ' + t('qa_errors')),
    el('div', { class: 'bar', title: pct(ratio) }, el('div', { class: 'fill', style: null })),
  );
  $('progress').querySelector('.fill').style.width = (ratio * 100).toFixed(1) + '%';
}

function key(label) { return el('kbd', {}, label); }

function renderLegend() {
  const item = state.item;
  const entries = [];
  if (!item || item.type === 'row') {
    entries.push([t('key_enter'), t('legend_accept')], [t('key_type'), t('legend_type')], [t('key_space'), t('legend_space')],
      [t('key_minus'), t('legend_minus')], [t('key_question'), t('legend_question')], [t('key_esc'), t('legend_esc')]);
  } else if (item.type === 'sheet') {
    entries.push([t('key_ctrl_enter'), t('legend_save_sheet')], [t('key_n'), t('legend_not_sheet')]);
  } else {
    entries.push([t('key_m'), t('legend_same')], [t('key_d'), t('legend_different')]);
  }
  entries.push([t('key_undo'), t('legend_undo')], [t('key_arrows'), t('legend_arrows')]);
  $('legend').replaceChildren(...entries.map(([k, what]) => el('span', { class: 'entry' }, key(k), ' ', what)));
}

// ------------------------------------------------------------------ items

function resetEditing(item) {
  state.typed = null;
  state.spaceTaken = false;
  state.signed = item && item.type === 'row' ? item.signed : false;
}

function show(item, upcoming) {
  state.item = item;
  state.upcoming = upcoming || [];
  resetEditing(item);
  if (item && state.history[state.history.length - 1] !== item.key) state.history.push(item.key);
  renderItem();
  renderLegend();
  prefetch(state.upcoming);
}

function renderItem() {
  const main = $('main');
  const item = state.item;
  if (!item) {
    main.replaceChildren(el('div', { class: 'card empty' },
      el('div', { class: 'big' }, '✓'),
      el('h2', {}, state.mode === 'qa' ? t('qa_empty') : t('empty')),
      el('p', {}, t('empty_text'))));
    return;
  }
  if (item.type === 'row') main.replaceChildren(renderRow(item));
  else if (item.type === 'sheet') main.replaceChildren(renderSheet(item));
  else main.replaceChildren(renderDuplicate(item));
  if (item.type === 'sheet') {
    const first = main.querySelector('input.code');
    if (first) first.focus();
  }
}

function meta(item, extra) {
  return el('div', { class: 'meta' },
    el('span', { class: 'source' }, item.source),
    el('span', {}, t('page') + ' ' + item.page_no),
    item.row_no ? el('span', {}, t('row') + ' ' + item.row_no) : '',
    extra || '');
}

function renderRow(item) {
  const reasons = el('div', { class: 'reasons' }, item.reasons.map((r) => el('span', { class: 'chip' }, reasonLabel(r))));
  const context = el('div', { class: 'context' },
    el('div', { class: 'section-title' }, t('context')),
    contextRow(item.neighbours.find((n) => n.row_no === item.row_no - 1)),
    el('div', { class: 'context-row current' }, el('span', { class: 'rowno' }, String(item.row_no)), image(item.images.row, 'strip', t('row') + ' ' + item.row_no)),
    contextRow(item.neighbours.find((n) => n.row_no === item.row_no + 1)));

  const machineCode = item.machine_code || t('machine_no_code');
  const machine = el('div', { class: 'machine' },
    el('span', { class: 'label' }, t('machine') + ' : '),
    el('strong', {}, item.machine_signed ? t('machine_signed') : t('machine_unsigned')),
    ' (' + pct(item.signed_confidence) + ') · ',
    el('strong', { class: 'mono' }, machineCode),
    ' (' + pct(item.code_confidence) + ')',
    item.alternatives.length ? el('span', { class: 'alts' }, ' · ' + t('others') + ' : ',
      item.alternatives.slice(0, 3).map((a) => el('button', {
        type: 'button', class: 'alt mono',
        onclick: () => { state.typed = compactOf(a.code); state.mark = null; updateEditor(); },
      }, a.code + ' ' + pct(a.p)))) : '');

  const card = el('div', { class: 'card row-card' + (state.mode === 'qa' ? ' qa' : '') },
    state.mode === 'qa' ? el('div', { class: 'banner' }, t('qa_banner')) : '',
    el('div', { class: 'card-head' }, meta(item, el('span', {}, t('confidence') + ' ' + pct(item.confidence))), reasons),
    el('div', { class: 'cells' },
      el('figure', { class: 'cell' }, el('figcaption', {}, t('signature')), image(item.images.signature, 'crop', t('signature'))),
      el('figure', { class: 'cell' }, el('figcaption', {}, t('postal_code')), image(item.images.code, 'crop', t('postal_code')))),
    el('div', { class: 'editor' },
      el('button', { type: 'button', id: 'signed-toggle', class: 'signed-toggle', onclick: () => toggleSigned() }),
      el('div', { class: 'code-box' },
        el('div', { id: 'code-display', class: 'code-display mono', 'aria-live': 'polite' }),
        el('div', { id: 'code-status', class: 'code-status' })),
      el('div', { class: 'actions' },
        el('button', { type: 'button', class: 'primary', id: 'accept', onclick: () => submitRow(null) }, t('accept'), key('↵')),
        el('button', { type: 'button', onclick: () => submitRow('no_code') }, t('no_code'), key('−')),
        el('button', { type: 'button', onclick: () => submitRow('illegible') }, t('illegible'), key('?')))),
    machine,
    context,
    el('div', { class: 'nav' },
      el('button', { type: 'button', onclick: () => goBack() }, '← ' + t('prev')),
      el('button', { type: 'button', onclick: () => undo() }, t('undo')),
      el('button', { type: 'button', onclick: () => skip() }, t('next') + ' →')));
  setTimeout(updateEditor, 0);
  return card;
}

function contextRow(n) {
  if (!n) return '';
  return el('div', { class: 'context-row' },
    el('span', { class: 'rowno' }, String(n.row_no)),
    image(n.image, 'strip dim', t('row') + ' ' + n.row_no),
    el('span', { class: 'ctx-values mono' }, (n.signed ? '✍ ' : '∅ ') + (n.postal_code || '—')));
}

// The code as it will be saved, and how it reads against the grammar.
function editorValue() {
  const item = state.item;
  const compact = state.typed !== null ? state.typed : compactOf(item.postal_code);
  return { compact, check: checkCode(compact) };
}

function updateEditor() {
  const item = state.item;
  if (!item || item.type !== 'row') return;
  const toggle = $('signed-toggle');
  if (!toggle) return;
  toggle.textContent = state.signed ? '✍ ' + t('signed') : '∅ ' + t('unsigned');
  toggle.className = 'signed-toggle ' + (state.signed ? 'on' : 'off') + (state.signed !== item.machine_signed ? ' changed' : '');
  const { compact, check } = editorValue();
  const display = $('code-display');
  const slots = [];
  for (let i = 0; i < 6; i++) {
    if (i === 3) slots.push(el('span', { class: 'gap' }));
    const c = compact[i];
    slots.push(el('span', { class: 'slot' + (c ? '' : ' blank') + (state.typed !== null ? ' typed' : '') }, c || '·'));
  }
  display.replaceChildren(...slots);
  display.className = 'code-display mono ' + (check.ok ? (check.empty ? 'none' : 'ok') : (check.partial ? 'partial' : 'bad'));
  $('code-status').textContent = check.message;
}

function toggleSigned() {
  state.signed = !state.signed;
  updateEditor();
}

// ------------------------------------------------------------------ actions

async function refreshProgress() {
  try {
    state.progress = await api('GET', '/api/progress');
    renderProgress();
  } catch (e) { /* the next decision refreshes it */ }
}

async function refreshFilters() {
  try {
    state.filters = await api('GET', '/api/filters');
  } catch (e) { /* keep the previous lists */ }
}

async function loadNext() {
  const path = state.mode === 'qa' ? '/api/qa/next' : '/api/next';
  const data = await api('POST', path, { reason: state.filter.reason || null, batch: state.filter.batch, skip: state.skipped.slice(-400) });
  show(data.item, data.upcoming);
}

async function run(fn) {
  if (state.busy) return;
  state.busy = true;
  try {
    await fn();
  } catch (e) {
    if (e instanceof ApiFailure) {
      fail(e);
      if (e.code === 'version_conflict' && state.item) await reopen(state.item.key);
      if (e.code === 'leased' && state.item) {   // someone else has it: move on
        state.skipped.push(state.item.key);
        await loadNext().catch(() => {});
      }
    } else {
      console.error(e);
      toast(String(e), 'error');
    }
  } finally {
    state.busy = false;
  }
}

async function reopen(itemKey) {
  try {
    const data = await api('POST', '/api/open', { key: itemKey });
    show(data.item, []);
  } catch (e) {
    if (e instanceof ApiFailure) fail(e);
  }
}

function submitRow(mark) {
  const item = state.item;
  if (!item || item.type !== 'row') return;
  const { compact, check } = editorValue();
  if (!mark && !check.ok) {
    const display = $('code-display');
    display.classList.remove('shake');
    void display.offsetWidth;
    display.classList.add('shake');
    return;
  }
  const postal = mark ? null : (compact.length ? canonical(compact) : null);
  run(async () => {
    if (state.mode === 'qa') {
      const res = await api('POST', '/api/qa/' + item.id + '/check', { version: item.version, signed: state.signed, postal_code: postal });
      toast(res.correct ? t('qa_ok') : t('qa_wrong'), res.correct ? 'ok' : 'warn');
    } else {
      await api('POST', '/api/rows/' + item.id + '/decision', { version: item.version, signed: state.signed, postal_code: postal, mark });
      toast(t('saved_undo'), 'ok');
    }
    await loadNext();
    refreshProgress();
  });
}

function submitSheet(notSheet) {
  const item = state.item;
  if (!item || item.type !== 'sheet') return;
  const rows = [];
  if (!notSheet) {
    for (const line of document.querySelectorAll('.sheet-row')) {
      const compact = compactOf(line.querySelector('input.code').value);
      const signed = line.querySelector('input.signed').checked;
      const check = checkCode(compact);
      if (!check.ok) {
        line.classList.add('invalid');
        line.querySelector('input.code').focus();
        toast(t('row') + ' ' + line.dataset.row + ' : ' + check.message, 'error');
        return;
      }
      if (signed || compact.length) rows.push({ row: Number(line.dataset.row), signed, postal_code: compact.length ? canonical(compact) : null });
    }
  }
  run(async () => {
    await api('POST', '/api/sheets/' + item.id + '/decision', { version: item.version, not_a_sheet: notSheet, rows });
    toast(t('saved_undo'), 'ok');
    await refreshFilters();
    renderChrome();
    await loadNext();
    refreshProgress();
  });
}

function submitDuplicate(confirm) {
  const item = state.item;
  if (!item || item.type !== 'duplicate') return;
  run(async () => {
    await api('POST', '/api/duplicates/' + item.id + '/decision', { version: item.version, confirm });
    toast(t('saved_undo'), 'ok');
    await loadNext();
    refreshProgress();
  });
}

function undo() {
  run(async () => {
    const res = await api('POST', '/api/undo', {});
    state.skipped = state.skipped.filter((k) => k !== res.undone.key);
    toast(t('undone'), 'warn');
    show(res.item, []);
    refreshProgress();
  });
}

function skip() {
  if (!state.item) return;
  state.skipped.push(state.item.key);
  run(loadNext);
}

function goBack() {
  const current = state.item ? state.item.key : null;
  let idx = state.history.length - 1;
  if (current && state.history[idx] === current) idx--;
  if (idx < 0) return;
  const target = state.history[idx];
  state.history = state.history.slice(0, idx + 1);
  state.skipped = state.skipped.filter((k) => k !== target);
  run(async () => {
    const data = await api('POST', '/api/open', { key: target });
    show(data.item, []);
  });
}

function restartQueue() {
  state.skipped = [];
  run(loadNext);
}

function switchMode(mode) {
  if (state.mode === mode) return;
  state.mode = mode;
  state.skipped = [];
  state.history = [];
  renderChrome();
  run(loadNext);
}

// ------------------------------------------------------------------ sheets

function renderSheet(item) {
  const lines = [];
  for (let r = 1; r <= 9; r++) {
    const known = item.rows.find((x) => x.row_no === r) || { signed: false, postal_code: null };
    const code = el('input', { class: 'code mono', type: 'text', maxlength: 7, autocomplete: 'off', spellcheck: 'false', placeholder: 'A1A 1A1', 'aria-label': t('postal_code') + ' ' + r });
    code.value = known.postal_code || '';
    const box = el('input', { class: 'signed', type: 'checkbox', 'aria-label': t('signed') + ' ' + r });
    box.checked = known.signed;
    const line = el('label', { class: 'sheet-row', 'data-row': r }, el('span', { class: 'rowno' }, String(r)), box, el('span', { class: 'signed-label' }, t('signed')), code);
    code.addEventListener('input', () => {
      const check = checkCode(compactOf(code.value));
      line.classList.toggle('invalid', !check.ok && !check.partial);
      line.classList.toggle('valid', check.ok && !check.empty);
      if (compactOf(code.value).length) box.checked = true;
    });
    lines.push(line);
  }
  return el('div', { class: 'card sheet-card' },
    el('div', { class: 'card-head' }, meta(item), el('div', { class: 'reasons' }, el('span', { class: 'chip' }, reasonLabel(item.reason || 'table_not_found')))),
    el('h2', {}, t('sheet_title')),
    el('p', { class: 'help' }, t('sheet_help')),
    el('div', { class: 'sheet-layout' },
      el('div', { class: 'page-view' }, image(item.image, 'page', t('page'))),
      el('form', { class: 'sheet-form', onsubmit: (e) => { e.preventDefault(); submitSheet(false); } },
        lines,
        el('div', { class: 'actions' },
          el('button', { type: 'submit', class: 'primary' }, t('sheet_save'), key(t('key_ctrl_enter'))),
          el('button', { type: 'button', class: 'danger', onclick: () => submitSheet(true) }, t('not_sheet'), key('N'))))));
}

function renderDuplicate(item) {
  const side = (title, page) => el('figure', { class: 'dup-side' },
    el('figcaption', {}, title + ' — ', el('span', { class: 'source' }, page.source), ' · ' + t('page') + ' ' + page.page_no),
    image(page.image, 'page', title));
  return el('div', { class: 'card dup-card' },
    el('div', { class: 'card-head' }, meta(item), el('div', { class: 'reasons' }, el('span', { class: 'chip' }, reasonLabel('suspected_duplicate')))),
    el('h2', {}, t('dup_title')),
    el('div', { class: 'dup-layout' }, side(t('dup_this'), item), side(t('dup_earlier'), item.other)),
    el('div', { class: 'actions center' },
      el('button', { type: 'button', class: 'primary', onclick: () => submitDuplicate(true) }, t('dup_same'), key(t('key_m'))),
      el('button', { type: 'button', onclick: () => submitDuplicate(false) }, t('dup_different'), key('D'))));
}

// ------------------------------------------------------------------ keyboard

function onKey(e) {
  if (!$('login').hidden) return;
  const target = e.target;
  const inField = (target instanceof HTMLInputElement && target.type !== 'checkbox') || target instanceof HTMLSelectElement || target instanceof HTMLTextAreaElement;
  const item = state.item;
  const ctrl = e.ctrlKey || e.metaKey;

  if (ctrl && (e.key === 'z' || e.key === 'Z')) { e.preventDefault(); undo(); return; }
  if (item && item.type === 'sheet') {
    if (ctrl && e.key === 'Enter') { e.preventDefault(); submitSheet(false); return; }
    if (e.key === 'Escape' && target instanceof HTMLElement) { target.blur(); return; }
    if (inField) return;
  } else if (inField) {
    return;
  }
  if (e.altKey || ctrl) return;
  if (e.key === 'ArrowRight' || e.key === 'ArrowDown') { e.preventDefault(); skip(); return; }
  if (e.key === 'ArrowLeft' || e.key === 'ArrowUp') { e.preventDefault(); goBack(); return; }
  if (!item) return;

  if (item.type === 'sheet') {
    if (e.key === 'n' || e.key === 'N') { e.preventDefault(); submitSheet(true); }
    return;
  }
  if (item.type === 'duplicate') {
    if ('mMsS'.includes(e.key) && e.key.length === 1) { e.preventDefault(); submitDuplicate(true); }
    else if (e.key === 'd' || e.key === 'D') { e.preventDefault(); submitDuplicate(false); }
    return;
  }

  // A row: typing replaces the machine's guess.
  if (e.key === 'Enter') { e.preventDefault(); submitRow(null); return; }
  if (e.key === 'Escape') { e.preventDefault(); resetEditing(item); updateEditor(); return; }
  if (e.key === ' ') {
    e.preventDefault();
    if (state.typed !== null && state.typed.length === 3 && !state.spaceTaken) state.spaceTaken = true;  // "H2E 2E9" typed with its space
    else toggleSigned();
    return;
  }
  if (e.key === '-' || e.key === '_') { e.preventDefault(); submitRow('no_code'); return; }
  if (e.key === '?' || e.key === '/') { e.preventDefault(); submitRow('illegible'); return; }
  if (e.key === 'Backspace') {
    e.preventDefault();
    const base = state.typed !== null ? state.typed : compactOf(item.postal_code);
    state.typed = base.slice(0, -1);
    if (state.typed.length < 3) state.spaceTaken = false;
    updateEditor();
    return;
  }
  if (/^[a-zA-Z0-9]$/.test(e.key)) {
    e.preventDefault();
    if (state.typed === null || state.typed.length >= 6) { state.typed = ''; state.spaceTaken = false; }
    state.typed += e.key.toUpperCase();
    updateEditor();
  }
}

// ------------------------------------------------------------------ login

async function login(name) {
  const res = await fetch('/api/login', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Petiscan-CSRF': state.csrf },
    body: JSON.stringify({ name }),
    credentials: 'same-origin',
  });
  const data = await res.json();
  if (!res.ok) throw new ApiFailure(res.status, data);
  state.session = data.session;
  state.name = data.name;
  sessionStorage.setItem('petiscan.session', data.session);
  localStorage.setItem('petiscan.name', data.name);
}

function showLogin() {
  const overlay = $('login');
  const input = el('input', { id: 'login-name', type: 'text', maxlength: 60, autocomplete: 'name', placeholder: t('login_placeholder') });
  input.value = state.name;
  const error = el('p', { class: 'error', 'aria-live': 'polite' });
  const form = el('form', { class: 'login-card', onsubmit: async (e) => {
    e.preventDefault();
    try {
      await login(input.value);
      overlay.hidden = true;
      await start();
    } catch (err) {
      error.textContent = err.message;
    }
  } },
  el('img', { src: '/favicon.svg', alt: '', width: 48, height: 48 }),
  el('h1', {}, t('login_title')),
  el('p', {}, t('login_text')),
  input,
  el('button', { type: 'submit', class: 'primary', id: 'login-button' }, t('login_button')),
  error,
  el('button', { type: 'button', class: 'link', onclick: () => { switchLang(); showLogin(); } }, t('lang_switch')));
  overlay.replaceChildren(form);
  overlay.hidden = false;
  input.focus();
}

function switchLang() {
  state.lang = state.lang === 'fr' ? 'en' : 'fr';
  localStorage.setItem('petiscan.lang', state.lang);
  renderChrome();
  renderItem();  // keeps what is being typed: state.typed and state.signed are untouched
}

async function start() {
  await refreshFilters();
  await refreshProgress();
  renderChrome();
  await run(loadNext);
}

async function boot() {
  $('lang').addEventListener('click', () => { switchLang(); $('lang').blur(); });
  document.addEventListener('keydown', onKey);
  // A clicked button must not keep the focus: Enter or Space would press it
  // again on top of the keyboard shortcut.
  document.addEventListener('click', (e) => {
    const button = e.target instanceof Element ? e.target.closest('button') : null;
    if (button && !button.closest('#login')) button.blur();
  });
  window.addEventListener('pagehide', () => {
    if (state.session) {
      fetch('/api/release', { method: 'POST', keepalive: true, credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json', 'X-Petiscan-CSRF': state.csrf, 'X-Petiscan-Session': state.session }, body: '{}' });
    }
  });
  const config = await (await fetch('/api/config', { credentials: 'same-origin' })).json();
  state.csrf = config.csrf;
  renderChrome();
  if (!state.session && !state.name) { showLogin(); return; }
  if (!state.session) {
    try { await login(state.name); } catch (e) { showLogin(); return; }
  }
  await start();
}

boot();
