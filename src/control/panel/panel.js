// stylecast control panel: vanilla JS, no build step. Talks to the daemon over /api/v1 (HTTP + WebSocket).

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
if (params.get('token')) sessionStorage.setItem('stylecast-token', params.get('token'));
const token = sessionStorage.getItem('stylecast-token');
const withToken = (path) =>
  token ? `${path}${path.includes('?') ? '&' : '?'}token=${encodeURIComponent(token)}` : path;

const EFFECT_LABELS = {
  none: 'Camera only',
  'blur-background': 'Blur background',
  'replace-background': 'Replace background',
  'transparent-background': 'Cut out person',
  mask: 'Show mask',
  'style-background': 'Paint background',
  'style-person': 'Paint person',
  'style-frame': 'Paint everything',
};
const MASK_CONTROLS = [
  { key: 'threshold', label: 'Threshold', min: 0, max: 1, step: 0.01 },
  { key: 'feather', label: 'Feather', min: 0, max: 1, step: 0.01 },
  { key: 'smoothContour', label: 'Smooth contour', min: 0, max: 1, step: 0.01 },
  { key: 'temporalSmoothing', label: 'Temporal smoothing', min: 0, max: 1, step: 0.01 },
  { key: 'hysteresis', label: 'Hysteresis', min: 0, max: 0.5, step: 0.01 },
];

const state = { status: null, styles: [], frames: 0, lastDropped: null, dragging: new Set() };

// ---- talking to the daemon ----

let ws = null;
let nextId = 1;
const pending = new Map();

const RETRY_FIRST_MS = 500;
const RETRY_MAX_MS = 5000;
let retryMs = RETRY_FIRST_MS;

const isConnected = () => ws !== null && ws.readyState === WebSocket.OPEN;

let everConnected = false;

function connect() {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  ws = new WebSocket(`${scheme}://${location.host}${withToken('/api/v1/ws')}`);
  ws.onopen = () => {
    everConnected = true;
    retryMs = RETRY_FIRST_MS; // the next outage starts with quick retries again
    setPill('conn', 'connected', 'ok');
    showPreviewPaused(false);
  };
  ws.onmessage = (e) => onMessage(JSON.parse(e.data));
  ws.onclose = async () => {
    setPill('conn', 'reconnecting…', 'bad');
    if (everConnected) showPreviewPaused(true);
    for (const id of [...pending.keys()]) settle(id, { ok: false, error: { message: 'connection lost' } });
    // Retrying cannot fix a missing or wrong token: say so once and stop.
    if (!everConnected && (await tokenRefused())) return;
    setTimeout(connect, retryMs);
    retryMs = Math.min(retryMs * 2, RETRY_MAX_MS);
  };
}

/** A refused WebSocket tells the page nothing; the same request over HTTP says whether it is the token. */
async function tokenRefused() {
  try {
    const res = await fetch(withToken('/api/v1/status'));
    if (res.status !== 401) return false;
  } catch {
    return false; // not there at all: keep retrying
  }
  setPill('conn', token ? 'wrong token' : 'token needed', 'bad');
  showNotice(
    token
      ? "The token in this page's address is wrong. Open the panel as …/?token=<token>, with the token from the file api-token in stylecast's config folder."
      : "This stylecast needs its token. Open the panel as …/?token=<token>, with the token from the file api-token in stylecast's config folder.",
  );
  return true;
}

function showNotice(text) {
  $('notice').textContent = text;
  $('notice').hidden = false;
}

function onMessage(msg) {
  if (msg.event === 'hello') {
    renderStyles(msg.data.styles);
    renderStatus(msg.data.status);
  } else if (msg.event === 'state') renderStatus(msg.data);
  else if (msg.event === 'stats') renderStats(msg.data);
  else if (msg.event === 'styles') renderStyles(msg.data.styles);
  else if ('id' in msg) settle(msg.id, msg);
}

/** Answers the command `id` is waiting for, once, and stops its no-answer timer (it held the promise). */
function settle(id, answer) {
  const p = pending.get(id);
  if (!p) return;
  pending.delete(id);
  clearTimeout(p.timer);
  if (answer.ok) p.resolve(answer.result);
  else p.reject(new Error(answer.error.message));
}

const ANSWER_TIMEOUT_MS = 30000;

function sendOverSocket(cmd) {
  const id = nextId++;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => settle(id, { ok: false, error: { message: 'no answer from the daemon' } }),
      ANSWER_TIMEOUT_MS,
    );
    pending.set(id, { resolve, reject, timer });
    ws.send(JSON.stringify({ id, ...cmd }));
  });
}

/** Sends a command over the WebSocket (HTTP when it is down); shows errors as a toast. */
async function command(cmd) {
  try {
    if (isConnected()) return await sendOverSocket(cmd);
    const res = await fetch(withToken('/api/v1/commands'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(cmd),
    });
    const body = await apiAnswer(res);
    renderStatus(body.status);
    return body.result;
  } catch (error) {
    toast(readableError(error));
  }
}

/** The API's JSON answer; its error as an Error (also for an answer that is not JSON, e.g. a proxy's page). */
async function apiAnswer(res) {
  const body = await res.json().catch(() => undefined);
  if (!body) throw new Error(`stylecast answered HTTP ${res.status} without a message`);
  if (!body.ok) throw new Error(body.error?.message ?? `HTTP ${res.status}`);
  return body;
}

/** fetch() says only 'Failed to fetch' when the daemon is not there. */
function readableError(error) {
  if (error instanceof TypeError)
    return 'stylecast is not reachable (stopped or restarting); try again when connected';
  return error.message;
}

// ---- rendering ----

function setPill(id, text, tone) {
  const el = $(id);
  // #conn is a live region: rewriting the same words (each failed retry) would announce them again.
  if (el.textContent !== text) el.textContent = text;
  el.className = `pill ${tone || ''}`;
}

function renderStatus(status) {
  state.status = status;
  $('current-style').textContent = status.style.name || 'none';
  $('morphing').textContent = status.style.morphingTo ? `→ ${status.style.morphingTo}` : '';
  if (!state.dragging.has('strength')) $('strength').value = status.style.strength;
  $('strength-value').textContent = `${Math.round(status.style.strength * 100)}%`;
  for (const card of document.querySelectorAll('.style-card[data-name]'))
    card.classList.toggle('active', card.dataset.name === status.style.name);
  renderEffects(status.effect);
  $('current-effect').textContent = EFFECT_LABELS[status.effect.name] || status.effect.name;
  renderMask(status.mask);
  renderRecording(status.recording);
  renderOutputs(status.sinks);
  const obs = status.obs;
  const tone = { connected: 'ok', connecting: 'warn', disabled: '', disconnected: 'warn', failed: 'bad' }[
    obs.connection
  ];
  const extra = obs.connection === 'connected' && obs.recording ? ' · rec' : '';
  setPill('obs', `OBS ${obs.connection}${extra}`, tone);
  $('obs').title = obs.detail || obs.url || 'OBS Studio bridge';
}

function renderEffects(effect) {
  const box = $('effects');
  const names = effect.available.length ? effect.available : [effect.name];
  if (box.dataset.names !== names.join()) {
    box.dataset.names = names.join();
    box.replaceChildren(
      ...names.map((name) => {
        const b = document.createElement('button');
        b.type = 'button';
        b.setAttribute('role', 'radio');
        b.dataset.effect = name;
        b.textContent = EFFECT_LABELS[name] || name;
        b.onclick = (e) => {
          // A mouse click leaves no focus behind: the arrows stay the style and strength shortcuts.
          // A keyboard user (Tab, arrows, Enter: detail 0) keeps the focus in the group.
          if (e.detail > 0) b.blur();
          command({ command: 'effect', name });
        };
        return b;
      }),
    );
  }
  for (const b of box.children) b.setAttribute('aria-checked', String(b.dataset.effect === effect.name));
  rovingTabStop(box.querySelector('[aria-checked="true"]') || box.firstElementChild);
}

/** A radio group is one Tab stop: only `chosen` takes focus from Tab, the others from the arrow keys. */
function rovingTabStop(chosen) {
  for (const b of $('effects').children) b.tabIndex = b === chosen ? 0 : -1;
}

/** WAI-ARIA radio group: the arrow keys move focus and the choice together, wrapping around. */
function onEffectsKey(e) {
  const step = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 }[e.key];
  const buttons = [...$('effects').children];
  const from = buttons.indexOf(e.target);
  if (!step || from < 0 || e.ctrlKey || e.metaKey || e.altKey) return;
  const to = buttons[(from + step + buttons.length) % buttons.length];
  rovingTabStop(to);
  to.focus();
  to.click(); // switches the effect as a click does
  e.preventDefault(); // handled: the global arrow shortcuts (onKey) leave it alone
}

function renderMask(mask) {
  const box = $('mask');
  if (!box.children.length) {
    for (const c of MASK_CONTROLS) {
      const row = document.createElement('div');
      row.className = 'slider-row';
      row.innerHTML = `<label for="mask-${c.key}"><span>${c.label}</span><span id="mask-${c.key}-value"></span></label>
        <input type="range" id="mask-${c.key}" min="${c.min}" max="${c.max}" step="${c.step}">`;
      box.append(row);
      const input = row.querySelector('input');
      bindSlider(input, `mask-${c.key}`, (v) => ({ command: 'mask', settings: { [c.key]: v } }));
    }
    const skip = document.createElement('label');
    skip.className = 'check';
    skip.innerHTML = '<input type="checkbox" id="mask-skip"> Skip nearly identical frames';
    box.append(skip);
    $('mask-skip').onchange = (e) =>
      command({ command: 'mask', settings: { skipSimilarFrames: e.target.checked } });
  }
  for (const c of MASK_CONTROLS) {
    if (!state.dragging.has(`mask-${c.key}`)) $(`mask-${c.key}`).value = mask[c.key];
    $(`mask-${c.key}-value`).textContent = Number(mask[c.key]).toFixed(2);
  }
  $('mask-skip').checked = mask.skipSimilarFrames;
}

/**
 * The daemon pushes `state` only when something changes, not every second: while recording, the
 * clock counts on here from the last `seconds` the daemon sent.
 */
const recordingClock = { timer: null, seconds: 0, at: 0 };

function renderRecording(rec) {
  const button = $('record');
  button.classList.toggle('on', rec.active);
  button.title = rec.active ? `Recording to ${rec.path || 'file'} (R to stop)` : 'Start recording (R)';
  clearInterval(recordingClock.timer);
  recordingClock.timer = null;
  if (rec.active) {
    Object.assign(recordingClock, { seconds: rec.seconds || 0, at: performance.now() });
    recordingClock.timer = setInterval(showRecordingClock, 1000);
    showRecordingClock();
  } else $('record-label').textContent = 'Record';
  showRecordingFailure(rec);
}

/** A recorder that failed (disk full, folder gone) is not active, but the streamer must know why. */
function showRecordingFailure(rec) {
  const failed = rec.state === 'failed';
  $('record').classList.toggle('failed', failed);
  if (!failed) {
    renderRecording.lastError = undefined;
    return;
  }
  $('record-label').textContent = 'Recording failed';
  $('record').title = `${rec.error || 'the recording stopped'} (R to try again)`;
  // Once per failure, not on every state event.
  if (renderRecording.lastError !== rec.error) toast(`Recording stopped: ${rec.error || 'unknown error'}`);
  renderRecording.lastError = rec.error;
}

function showRecordingClock() {
  const secs = Math.floor(recordingClock.seconds + (performance.now() - recordingClock.at) / 1000);
  const clock = `${String(Math.floor(secs / 60)).padStart(2, '0')}:${String(secs % 60).padStart(2, '0')}`;
  $('record-label').textContent = `Stop · ${clock}`;
}

function renderOutputs(sinks) {
  const list = $('outputs');
  if (!sinks.length) {
    list.innerHTML = '<li class="muted">none: the panel preview only</li>';
    return;
  }
  list.replaceChildren(
    ...sinks.map((sink) => {
      const li = document.createElement('li');
      const tone = { running: 'ok', reconnecting: 'warn', failed: 'bad' }[sink.state] || '';
      li.innerHTML = '<span class="state"></span><span class="sink-name"></span><span class="muted"></span>';
      li.children[0].className = `state ${tone}`;
      li.children[0].title = sink.state;
      li.children[1].textContent = sink.name;
      li.children[1].title = sink.detail || sink.name;
      li.children[2].textContent = `${sink.written} sent · ${sink.dropped} dropped`;
      return li;
    }),
  );
}

function renderStyles(styles) {
  state.styles = styles;
  const gallery = $('gallery');
  const upload = gallery.querySelector('.upload');
  const cards = styles.map((style, i) => {
    const card = document.createElement('button');
    card.type = 'button';
    card.className = 'style-card';
    card.dataset.name = style.name;
    card.title = `Switch to ${style.name}${i < 9 ? ` (${i + 1})` : ''}`;
    const img = document.createElement('img');
    img.alt = '';
    img.loading = 'lazy';
    if (style.thumbnailUrl) img.src = withToken(style.thumbnailUrl);
    const name = document.createElement('span');
    name.className = 'name';
    name.textContent = style.name.replace(/[_-]+/g, ' ');
    card.append(img, name);
    if (i < 9) {
      const key = document.createElement('span');
      key.className = 'key';
      key.textContent = String(i + 1);
      card.append(key);
    }
    card.onclick = () => selectStyle(style.name);
    return card;
  });
  gallery.replaceChildren(...cards, upload);
  if (state.status) renderStatus(state.status);
}

function selectStyle(name) {
  const morph = $('morph').checked;
  const ms = Number($('morph-ms').value);
  return command(morph ? { command: 'morph', name, durationMs: ms } : { command: 'style', name, morphMs: 0 });
}

// ---- stats graphs ----

const series = { fps: [], latency: [], drops: [] };
function renderStats(stats) {
  state.frames = stats.frames;
  const drops = state.lastDropped === null ? 0 : Math.max(0, stats.dropped - state.lastDropped);
  state.lastDropped = stats.dropped;
  push('fps', stats.fps, $('graph-fps'), '#4fb3ff');
  push('latency', stats.latencyMs.p50, $('graph-latency'), '#c86bfa');
  push('drops', drops, $('graph-drops'), '#ff7a59');
  $('fps-value').textContent = stats.fps.toFixed(1);
  $('latency-value').textContent = stats.latencyMs.p50.toFixed(1);
  $('drops-value').textContent = String(drops);
  setPill(
    'fps-pill',
    `${stats.fps.toFixed(1)} fps · ${stats.latencyMs.p50.toFixed(stats.latencyMs.p50 < 10 ? 1 : 0)} ms`,
    stats.fps > 0 ? 'ok' : '',
  );
}

function push(key, value, canvas, color) {
  const data = series[key];
  data.push(value);
  if (data.length > 60) data.shift();
  const ctx = canvas.getContext('2d');
  const scale = window.devicePixelRatio || 1;
  const w = canvas.clientWidth * scale;
  const h = canvas.clientHeight * scale;
  if (canvas.width !== w || canvas.height !== h) Object.assign(canvas, { width: w, height: h });
  ctx.clearRect(0, 0, w, h);
  const max = Math.max(1, ...data) * 1.15;
  ctx.strokeStyle = '#262b36';
  ctx.lineWidth = 1;
  for (const f of [0.25, 0.5, 0.75]) {
    ctx.beginPath();
    ctx.moveTo(0, h * f);
    ctx.lineTo(w, h * f);
    ctx.stroke();
  }
  const x = (i) => w - ((data.length - 1 - i) / 59) * w; // newest sample at the right edge
  const y = (v) => h - (v / max) * (h - 4) - 2;
  ctx.beginPath();
  data.forEach((v, i) => {
    if (i) ctx.lineTo(x(i), y(v));
    else ctx.moveTo(x(i), y(v));
  });
  ctx.strokeStyle = color;
  ctx.lineWidth = 2 * scale;
  ctx.stroke();
  ctx.lineTo(x(data.length - 1), h);
  ctx.lineTo(x(0), h);
  ctx.fillStyle = `${color}22`;
  ctx.fill();
}

/** While disconnected the preview keeps the last frame: dimmed and labelled, not passed off as live. */
function showPreviewPaused(paused) {
  const img = $('preview');
  img.classList.toggle('paused', paused);
  img.alt = paused ? 'Output preview, paused: not connected to stylecast' : 'Live output preview';
  $('preview-paused').hidden = !paused;
}

// ---- live preview: a downscaled JPEG twice a second, only while the page is visible ----

let previewUrl = null;
let previewCount = 0;
async function refreshPreview() {
  try {
    // Not while disconnected: each failed fetch is a console error, twice a second.
    if (document.visibilityState === 'visible' && state.frames > 0 && isConnected()) {
      const img = $('preview');
      const width = Math.min(960, Math.round(img.parentElement.clientWidth * (window.devicePixelRatio || 1)));
      const res = await fetch(withToken(`/api/v1/preview.jpg?width=${Math.max(64, width)}`));
      if (res.ok) {
        const url = URL.createObjectURL(await res.blob());
        const previous = previewUrl;
        img.onload = () => previous && URL.revokeObjectURL(previous);
        previewUrl = url;
        img.src = url;
        img.dataset.updates = String(++previewCount);
        $('preview-empty').hidden = true;
      }
    }
  } catch {
    // the daemon is restarting; the WebSocket pill already says so
  }
  setTimeout(refreshPreview, 500);
}

// ---- inputs ----

/** While a slider moves, at most one command every SLIDER_SEND_MS, and only one in flight. */
const SLIDER_SEND_MS = 100;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A drag sends its value as it goes (a trailing debounce sent nothing while the pointer kept moving),
 * and the last value always. Pushed `state` does not move the slider until the last value sent is
 * answered, so it never jumps back to an older value.
 */
function bindSlider(input, key, toCommand) {
  let sending = false;
  let changed = false;
  let held = false;
  const release = () => {
    state.dragging.delete(key);
    if (state.status) renderStatus(state.status);
  };
  const send = async () => {
    changed = true;
    if (sending) return;
    sending = true;
    while (changed) {
      changed = false;
      await command(toCommand(Number(input.value)));
      await sleep(SLIDER_SEND_MS);
    }
    sending = false;
    if (!held) release();
  };
  const letGo = () => {
    held = false;
    if (!sending) release();
  };
  input.addEventListener('pointerdown', () => {
    held = true;
    state.dragging.add(key);
  });
  input.addEventListener('pointerup', letGo);
  input.addEventListener('pointercancel', letGo);
  input.addEventListener('change', letGo); // also when the pointer is let go off the slider
  input.addEventListener('input', () => {
    state.dragging.add(key);
    void send();
  });
}

function toast(text, tone) {
  const el = $('toast');
  el.textContent = text;
  el.className = `toast show ${tone || ''}`;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => (el.className = 'toast'), 3500);
}

function stepStyle(delta) {
  const morphMs = $('morph').checked ? Number($('morph-ms').value) : 0;
  command({ command: delta > 0 ? 'next-style' : 'previous-style', morphMs });
}

function onKey(e) {
  // A control that handled the key itself (the effect radio group's arrows) keeps it.
  if (e.defaultPrevented) return;
  if (e.ctrlKey || e.metaKey || e.altKey || /^(INPUT|SELECT|TEXTAREA)$/.test(e.target.tagName)) return;
  const s = state.status;
  const k = e.key.toLowerCase();
  if (k === 'arrowright') stepStyle(1);
  else if (k === 'arrowleft') stepStyle(-1);
  else if ((k === 'arrowup' || k === 'arrowdown') && s) {
    const value = Math.min(1, Math.max(0, s.style.strength + (k === 'arrowup' ? 0.05 : -0.05)));
    command({ command: 'strength', value: Math.round(value * 100) / 100 });
  } else if (/^[1-9]$/.test(k) && state.styles[Number(k) - 1]) selectStyle(state.styles[Number(k) - 1].name);
  else if (k === 'e' && s) {
    const list = s.effect.available;
    command({ command: 'effect', name: list[(list.indexOf(s.effect.name) + 1) % list.length] });
  } else if (k === 'm') {
    $('morph').checked = !$('morph').checked;
    $('morph').dispatchEvent(new Event('change'));
  } else if (k === 'r') command({ command: 'record', action: 'toggle' });
  else return;
  e.preventDefault();
}

function init() {
  bindSlider($('strength'), 'strength', (value) => ({ command: 'strength', value }));
  $('morph').checked = localStorage.getItem('stylecast-morph') === '1';
  $('morph').onchange = () => localStorage.setItem('stylecast-morph', $('morph').checked ? '1' : '0');
  $('record').onclick = () => command({ command: 'record', action: 'toggle' });
  $('upload').onchange = async (e) => {
    const file = e.target.files[0];
    if (!file) return;
    try {
      const res = await fetch(withToken(`/api/v1/styles?name=${encodeURIComponent(file.name)}`), {
        method: 'POST',
        headers: { 'content-type': file.type || 'application/octet-stream' },
        body: file,
      });
      const body = await apiAnswer(res);
      toast(`Added style ${body.style.name}`, 'info');
    } catch (error) {
      toast(readableError(error));
    } finally {
      e.target.value = ''; // the same file can be picked again
    }
  };
  $('effects').addEventListener('keydown', onEffectsKey);
  document.addEventListener('keydown', onKey);
  connect();
  refreshPreview();
}

init();
