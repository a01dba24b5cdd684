// The original's Jade pages (layout, index, helloworld, userlist, newuser, error) as small HTML
// functions: no template engine to install, every value escaped.
"use strict";

function escapeHtml(s) {
    return String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}

function layout(title, body) {
    return `<!DOCTYPE html>
<html>
<head><title>${escapeHtml(title)}</title><link rel="stylesheet" href="/stylesheets/style.css"></head>
<body>
${body}
</body>
</html>
`;
}

exports.escape = escapeHtml;

exports.index = (title) => layout(title, `<h1>${escapeHtml(title)}</h1>\n<p>Welcome to ${escapeHtml(title)}</p>`);

exports.helloworld = (title) => layout(title, `<h1>${escapeHtml(title)}</h1>\n<p>Welcome to ${escapeHtml(title)}</p>`);

const userItem = (u) => `<li><a href="mailto:${escapeHtml(u.email ?? "")}">${escapeHtml(u.username ?? "")}</a></li>`;

exports.userlist = (users) => layout("User List", `<h1>User List</h1>\n<ul>\n${users.map(userItem).join("\n")}\n</ul>`);

exports.newuser = () =>
    layout(
        "Add New User",
        `<h1>Add New User</h1>
<form id="formAddUser" name="adduser" method="post" action="/adduser">
<input id="inputUserName" type="text" placeholder="username" name="username">
<input id="inputUserEmail" type="text" placeholder="useremail" name="useremail">
<button id="btnSubmit" type="submit">submit</button>
</form>`,
    );

exports.error = (status, message, detail) =>
    layout(message, `<h1>${escapeHtml(message)}</h1>\n<h2>${escapeHtml(String(status))}</h2>${detail ? `\n<p>${escapeHtml(detail)}</p>` : ""}`);
