// The admin page: first-boot setup, login, status. Talks only to this box's JSON API.
'use strict';

const $ = (id) => document.getElementById(id);
const views = ['loading', 'setup', 'login', 'status'];

function show(view) {
  for (const v of views) $(v).hidden = v !== view;
  $('logout').hidden = view !== 'status';
}

async function api(method, path, body) {
  const options = { method, headers: {}, credentials: 'same-origin' };
  if (body !== undefined) {
    options.headers['Content-Type'] = 'application/json';
    options.body = JSON.stringify(body);
  }
  const response = await fetch(path, options);
  let data = null;
  if (response.status !== 204) {
    try { data = await response.json(); } catch { data = null; }
  }
  return { status: response.status, data };
}

function formatDuration(seconds) {
  const d = Math.floor(seconds / 86400), h = Math.floor(seconds % 86400 / 3600);
  const m = Math.floor(seconds % 3600 / 60), s = seconds % 60;
  return (d ? d + ' d ' : '') + (d || h ? h + ' h ' : '') + (d || h || m ? m + ' min ' : '') + s + ' s';
}

function renderStatus(st) {
  $('st-version').textContent = st.version + ' (' + st.architecture + ')';
  $('st-uptime').textContent = formatDuration(st.uptimeSeconds);
  $('st-datapath').textContent = st.datapath;
  $('st-reasons').textContent = st.datapathReasons.join('; ');
  $('st-cpuaes').textContent = st.cpuAesInstructions ? 'yes' : 'no';
  const body = $('st-crypto');
  body.replaceChildren();
  for (const c of st.cryptoDrivers) {
    const row = document.createElement('tr');
    for (const text of [c.algorithm, c.driver + (c.note ? ' (' + c.note + ')' : ''), c.acceleration]) {
      const cell = document.createElement('td');
      cell.textContent = text;
      row.appendChild(cell);
    }
    body.appendChild(row);
  }
}

async function route() {
  const setup = await api('GET', '/api/setup');
  if (setup.data && setup.data.needsSetup) { show('setup'); $('setup-password').focus(); return; }
  const st = await api('GET', '/api/status');
  if (st.status === 200) { renderStatus(st.data); show('status'); return; }
  show('login');
  $('login-password').focus();
}

$('setup-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const password = $('setup-password').value;
  if (password !== $('setup-repeat').value) { $('setup-error').textContent = 'The two passwords differ.'; return; }
  const r = await api('POST', '/api/setup', { password });
  if (r.status === 204) {
    // Do not leave the new admin password in the hidden form for the life of the tab.
    $('setup-password').value = $('setup-repeat').value = '';
    $('setup-error').textContent = '';
    await route();
    return;
  }
  $('setup-error').textContent = (r.data && r.data.error) || 'Setup failed (' + r.status + ').';
  if (r.status === 409) await route();
});

$('login-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const r = await api('POST', '/api/login', { password: $('login-password').value });
  if (r.status === 204) { $('login-error').textContent = ''; $('login-password').value = ''; await route(); return; }
  $('login-error').textContent = (r.data && r.data.error) || 'Login failed (' + r.status + ').';
});

$('logout').addEventListener('click', async () => {
  await api('POST', '/api/logout');
  await route();
});

route();
setInterval(async () => {
  if ($('status').hidden) return;
  const st = await api('GET', '/api/status');
  if (st.status === 200) renderStatus(st.data); else route();
}, 5000);
