// The aotfd web page: POST /query, poll until END or an error, show the accounts and the posts.
// The API lives at the server's root (the original's paths), so "../query" from /app/.
"use strict";

const api = (path) => new URL("../" + path, window.location.href).toString();
const $ = (id) => document.getElementById(id);
const POLL_MS = 3000;
const ERRORS = {
  NO_URL_FIELD: "Please paste a URL.",
  URL_TOO_LONG: "This URL is too long.",
  NOT_AN_URL: "This is not a valid URL.",
  UNSUPPORTED_WEBSITE: "This website is not supported.",
  NOT_AN_ARTWORK_PAGE: "This page is not the page of an illustration.",
  NO_TWITTER_ACCOUNT_FOUND: "No account of the artist was found on this page.",
  NO_VALID_TWITTER_ACCOUNT_FOUND: "The artist's accounts do not exist any more or are private.",
  BLOCKED_BY_TWITTER_ACCOUNT: "The artist's account blocks this server.",
  PROCESSING_ERROR: "The server failed while processing this request. Please try again later.",
  ERROR_DURING_REVERSE_SEARCH: "The illustration could not be read.",
  QUERY_IMAGE_TOO_BIG: "The illustration is too big.",
  YOUR_IP_HAS_MAX_PROCESSING_REQUESTS: "You have too many requests in progress: wait for one to end.",
  CANNOT_GET_IMAGE: "The image could not be downloaded.",
  INVALID_TWITTER_ACCOUNT: "This account does not exist.",
  TWITTER_ACCOUNT_NOT_INDEXED: "This account is not indexed yet.",
  IMAGE_MISSING: "Please choose an image.",
  NO_SUCH_REQUEST: "This request is not known (any more).",
};

let pollTimer = null;

function show(id, visible) { $(id).hidden = !visible; }

function link(href, text) {
  if (!href) { const span = document.createElement("span"); span.textContent = text; return span; }
  const a = document.createElement("a");
  a.href = href; a.textContent = text; a.target = "_blank"; a.rel = "noopener noreferrer";
  return a;
}

function render(request) {
  show("progress", true);
  $("status").textContent = request.status === null ? "refused" : request.status;
  let reached = true;
  for (const li of $("steps").children) {
    const mine = li.dataset.status.split(" ").includes(request.status);
    li.className = mine ? (request.status === "END" ? "done" : "current") : (reached ? "done" : "");
    if (mine) reached = false;
  }
  if (request.status === null) for (const li of $("steps").children) li.className = "";
  show("first-scan", request.has_first_time_scan && request.status !== "END");
  const error = request.error;
  $("error").textContent = error ? (ERRORS[error] || error) + " (" + error + ")" : "";
  show("error", Boolean(error));

  const accounts = $("accounts");
  accounts.replaceChildren(...request.twitter_accounts.map((account) => {
    const li = document.createElement("li");
    li.append(link(account.url, "@" + account.account_name));
    li.append(" (" + account.platform + ")");
    return li;
  }));
  show("accounts-section", request.twitter_accounts.length > 0);

  const ended = request.status === "END";
  const results = $("results");
  results.replaceChildren(...request.results.map((post) => {
    const li = document.createElement("li");
    li.className = "result";
    li.append(link(post.url, post.url || post.tweet_id));
    const detail = document.createElement("span");
    detail.className = "distance";
    detail.textContent = "  image " + post.image_position + ", distance " + post.distance;
    li.append(detail);
    return li;
  }));
  show("results-section", ended && !error);
  show("no-results", ended && !error && request.results.length === 0);
}

async function call(method, path, body) {
  for (;;) {
    const response = await fetch(api(path), { method, body });
    if (response.status === 429) { await new Promise((r) => setTimeout(r, 1100)); continue; }
    if (!response.ok) throw new Error(response.status + " " + (await response.text()));
    return response.json();
  }
}

async function follow(method, path, body, again) {
  clearTimeout(pollTimer);
  try {
    const request = await call(method, path, body);
    render(request);
    if (request.status !== null && request.status !== "END" && !request.error) {
      pollTimer = setTimeout(() => follow(again.method, again.path, again.body, again), POLL_MS);
    } else {
      $("submit").disabled = false;
      $("upload").disabled = false;
      // The request may have indexed posts: show the new counts now, and again once the server's
      // 3-second cache of /stats has expired.
      updateStats();
      setTimeout(updateStats, 3500);
    }
  } catch (e) {
    show("progress", true);
    $("error").textContent = "The server could not be reached: " + e.message;
    show("error", true);
    $("submit").disabled = false;
    $("upload").disabled = false;
  }
}

$("query-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const url = $("url").value.trim();
  $("submit").disabled = true;
  const poll = { method: "POST", path: "query", body: url };
  follow("POST", "query", url, poll);
});

$("upload-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const file = $("image").files[0];
  if (!file) return;
  $("upload").disabled = true;
  const account = $("account").value.trim();
  const path = "search" + (account ? "?account_name=" + encodeURIComponent(account) : "");
  clearTimeout(pollTimer);
  try {
    const request = await call("POST", path, file);
    render(request);
    if (request.identifier && request.status !== "END" && !request.error) {
      const poll = { method: "GET", path: "search?identifier=" + request.identifier };
      pollTimer = setTimeout(() => follow(poll.method, poll.path, undefined, poll), POLL_MS);
    } else {
      $("upload").disabled = false;
    }
  } catch (e) {
    $("error").textContent = "The upload failed: " + e.message;
    show("error", true);
    $("upload").disabled = false;
  }
});

async function updateStats() {
  try {
    const response = await fetch(api("stats"));
    if (response.ok) {
      const s = await response.json();
      $("stats").textContent = s.indexed_tweets_count + " posts of " + s.indexed_accounts_count +
        " accounts indexed; " + s.processing_user_requests_count + " requests and " +
        s.processing_scan_requests_count + " scans in progress; " + s.pending_tweets_count + " posts waiting.";
    }
  } catch (e) { /* the next refresh tries again */ }
}

function refreshStats() {
  updateStats();
  setTimeout(refreshStats, 30000);
}

async function probeAdvanced() {
  try {
    const response = await fetch(api("config"));
    if (response.ok) show("upload-section", (await response.json()).ip_can_use_advanced === true);
  } catch (e) { /* no upload form */ }
}

refreshStats();
probeAdvanced();
