// The web inbox: two server-rendered pages, no build step. Everything from a mail is escaped; the
// mail's own HTML is shown only inside a sandboxed frame (see GET /messages/{id}/html).
import type { CaughtMessage } from '../../domain/inbox.ts';

export function escapeHtml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

const STYLE = `body{font:14px system-ui,sans-serif;margin:0;color:#222}header{background:#1d3557;color:#fff;padding:10px 16px;display:flex;justify-content:space-between;align-items:center}
header a{color:#fff;text-decoration:none;font-weight:600}main{padding:16px}table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:6px 8px;border-bottom:1px solid #ddd}tr:hover td{background:#f4f7fb}td a{color:#1d3557}
dl{display:grid;grid-template-columns:max-content 1fr;gap:4px 12px}dt{font-weight:600}iframe{width:100%;height:70vh;border:1px solid #ccc}
pre{white-space:pre-wrap;background:#f7f7f7;padding:12px;border:1px solid #ddd}button{cursor:pointer}.empty{color:#777}`;

function layout(title: string, body: string, refreshSeconds?: number): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
${refreshSeconds ? `<meta http-equiv="refresh" content="${refreshSeconds}">` : ''}
<meta name="viewport" content="width=device-width,initial-scale=1"><style>${STYLE}</style></head>
<body><header><a href="/">Mercato mail catcher</a><span>development only: nothing here was delivered</span></header>
<main>${body}</main></body></html>`;
}

export function inboxPage(messages: readonly CaughtMessage[], capacity: number): string {
  const rows = messages
    .map(
      (m) => `<tr><td>${escapeHtml(m.receivedAt.replace('T', ' ').slice(0, 19))}</td>
<td>${escapeHtml(m.from)}</td><td>${escapeHtml([...new Set([...m.to, ...m.envelope.to])].join(', '))}</td>
<td><a href="/inbox/${m.id}">${escapeHtml(m.subject || '(no subject)')}</a></td>
<td>${m.attachments.length > 0 ? `📎 ${m.attachments.length}` : ''}</td></tr>`,
    )
    .join('\n');
  const body = `<p>${messages.length} message(s), newest first (the last ${capacity} are kept in memory). The page refreshes every 5 s.
<button onclick="fetch('/messages',{method:'DELETE'}).then(()=>location.reload())">Delete all</button></p>
${
  messages.length === 0
    ? '<p class="empty">No mail yet. Register, reset a password or place an order, and it shows up here.</p>'
    : `<table><thead><tr><th>received</th><th>from</th><th>to</th><th>subject</th><th></th></tr></thead><tbody>${rows}</tbody></table>`
}`;
  return layout('Inbox', body, 5);
}

export function messagePage(m: CaughtMessage): string {
  const attachments = m.attachments
    .map(
      (a, i) =>
        `<li><a href="/messages/${m.id}/attachments/${i}">${escapeHtml(a.filename)}</a> (${escapeHtml(a.contentType)}, ${a.size} bytes)</li>`,
    )
    .join('');
  const body = `<p><a href="/">← inbox</a></p><h2>${escapeHtml(m.subject || '(no subject)')}</h2>
<dl><dt>From</dt><dd>${escapeHtml(m.from)}</dd><dt>To</dt><dd>${escapeHtml(m.to.join(', '))}</dd>
${m.cc.length > 0 ? `<dt>Cc</dt><dd>${escapeHtml(m.cc.join(', '))}</dd>` : ''}
<dt>Envelope</dt><dd>${escapeHtml(m.envelope.from)} → ${escapeHtml(m.envelope.to.join(', '))}</dd>
<dt>Date</dt><dd>${escapeHtml(m.date ?? m.receivedAt)}</dd><dt>JSON</dt><dd><a href="/messages/${m.id}">/messages/${m.id}</a></dd></dl>
${attachments ? `<h3>Attachments</h3><ul>${attachments}</ul>` : ''}
${m.html !== null ? `<h3>HTML</h3><iframe sandbox src="/messages/${m.id}/html" title="HTML body"></iframe>` : ''}
${m.text !== null ? `<h3>Text</h3><pre>${escapeHtml(m.text)}</pre>` : ''}`;
  return layout(m.subject || 'Message', body);
}
