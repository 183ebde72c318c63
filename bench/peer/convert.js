#!/usr/bin/env node
// The peer for bench/run.py: notion-to-md (3.x) over the official @notionhq/client (5.x), used
// the way its README shows (n2m.pageToMarkdown(id) + n2m.toMarkdownString(blocks).parent).
//
// Two modes, each printing one JSON object on stdout:
//
//   node convert.js sync --base-url URL --token T --data-source ID --out DIR
//       Query the data source (Status = Published, every result page), then convert each entry
//       with notion-to-md, one page after another, and write DIR/<page id>.md. All requests go
//       to the emulator at URL through @notionhq/client (its default retry settings: it
//       retries 429 after Retry-After). Reports wall time, pages, Markdown bytes, max RSS.
//
//   node convert.js convert --store FILE --reps N
//       notion-to-md's own conversion cost, without HTTP: a stand-in for the client that
//       answers blocks.children.list from the store file in memory (pages of 100, like the
//       API). Times pageToMarkdown + toMarkdownString of every exported entry, N times.
"use strict";

const fs = require("fs");
const path = require("path");
const { Client } = require("@notionhq/client");
const { NotionToMarkdown } = require("notion-to-md");

function args(argv) {
  const out = { _: [] };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i].startsWith("--")) out[argv[i].slice(2)] = argv[++i];
    else out._.push(argv[i]);
  }
  return out;
}

function maxRssKb() {
  // Peak resident set in kB: VmHWM, which starts afresh at exec (resourceUsage().maxRSS keeps
  // the high-water mark of the process this one was forked from).
  try {
    const m = /^VmHWM:\s+(\d+)/m.exec(fs.readFileSync("/proc/self/status", "utf8"));
    if (m) return Number(m[1]);
  } catch (e) { /* not Linux */ }
  return process.resourceUsage().maxRSS;
}

async function queryAll(notion, dataSourceId) {
  const pages = [];
  let cursor;
  do {
    const res = await notion.dataSources.query({
      data_source_id: dataSourceId,
      filter: { or: [{ property: "Status", status: { equals: "Published" } }] },
      start_cursor: cursor,
      page_size: 100,
    });
    pages.push(...res.results.filter((r) => r.object === "page"));
    cursor = res.has_more ? res.next_cursor : undefined;
  } while (cursor);
  return pages;
}

async function sync(opts) {
  const notion = new Client({ auth: opts.token, baseUrl: opts["base-url"] });
  const n2m = new NotionToMarkdown({ notionClient: notion });
  fs.mkdirSync(opts.out, { recursive: true });
  const started = process.hrtime.bigint();
  const pages = await queryAll(notion, opts["data-source"]);
  let bytes = 0;
  for (const page of pages) {
    const mdBlocks = await n2m.pageToMarkdown(page.id);
    const markdown = n2m.toMarkdownString(mdBlocks).parent || "";
    bytes += Buffer.byteLength(markdown);
    fs.writeFileSync(path.join(opts.out, `${page.id}.md`), markdown);
  }
  const wall = Number(process.hrtime.bigint() - started) / 1e9;
  return { wall, pages: pages.length, markdown_bytes: bytes, maxrss_kb: maxRssKb() };
}

function memoryClient(store) {
  // Answers GET /v1/blocks/{id}/children as the API does: page_size 100, next_cursor = the id of
  // the next child, has_more; trashed children left out.
  let calls = 0;
  const list = async ({ block_id, start_cursor }) => {
    calls += 1;
    const ids = (store.children[block_id] || []).filter((id) => store.blocks[id] && !store.blocks[id].in_trash);
    const start = start_cursor ? ids.indexOf(start_cursor) : 0;
    const slice = ids.slice(start, start + 100);
    const more = start + 100 < ids.length;
    return {
      object: "list",
      results: slice.map((id) => store.blocks[id]),
      next_cursor: more ? ids[start + 100] : null,
      has_more: more,
      type: "block",
      block: {},
    };
  };
  return { client: { blocks: { children: { list } } }, calls: () => calls };
}

async function convert(opts) {
  const store = JSON.parse(fs.readFileSync(opts.store, "utf8"));
  const reps = Number(opts.reps || 5);
  const pageIds = Object.values(store.entries).flat().filter((id) => {
    const page = store.pages[id];
    return page && !page.in_trash && page.properties.Status.status.name === "Published";
  });
  const mem = memoryClient(store);
  const n2m = new NotionToMarkdown({ notionClient: mem.client });
  const times = [];
  let bytes = 0;
  for (let r = 0; r < reps; r++) {
    const started = process.hrtime.bigint();
    bytes = 0;
    for (const id of pageIds) {
      const markdown = n2m.toMarkdownString(await n2m.pageToMarkdown(id)).parent || "";
      bytes += markdown.length;
    }
    times.push(Number(process.hrtime.bigint() - started) / 1e9);
  }
  return { times, pages: pageIds.length, markdown_chars: bytes, list_calls: mem.calls() / reps, maxrss_kb: maxRssKb() };
}

(async () => {
  const opts = args(process.argv.slice(2));
  const mode = opts._[0];
  try {
    const result = mode === "sync" ? await sync(opts) : mode === "convert" ? await convert(opts) : null;
    if (!result) throw new Error(`unknown mode ${mode}; use sync or convert`);
    process.stdout.write(JSON.stringify({ ok: true, ...result }) + "\n");
  } catch (error) {
    process.stdout.write(JSON.stringify({ ok: false, error: String(error && error.stack || error), maxrss_kb: maxRssKb() }) + "\n");
    process.exitCode = 1;
  }
})();
