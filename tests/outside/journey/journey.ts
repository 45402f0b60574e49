// A partner's journey in TypeScript: types generated from the served spec (openapi-typescript),
// calls through openapi-fetch, compiled with tsc --strict, run against a live server
// (tests/outside/test_typescript_journey.py). Any mismatch between the spec and the answers
// fails here: at compile time for the types, at run time for the values.
import createClient from "openapi-fetch";
import type { components, paths } from "./schema.js";

type Problem = components["schemas"]["Problem"];
declare const process: { argv: string[] }; // Node's, without its type package

const base = process.argv[2];
// The JSON answers and problems: a resource that Accept may also get as JSON-LD is typed as JSON.
const api = createClient<paths, "application/json" | "application/problem+json">({ baseUrl: base });

function check(condition: boolean, what: string): void {
  if (!condition) {
    throw new Error(`journey: ${what}`);
  }
}

function links(header: string | null): Map<string, string> {
  const found = new Map<string, string>();
  for (const part of (header ?? "").split(",")) {
    const match = /<([^>]+)>;\s*rel="([a-z]+)"/.exec(part);
    if (match) {
      found.set(match[2], new URL(match[1]).toString()); // absolute: no base to resolve against
    }
  }
  return found;
}

async function pageThroughTrends(): Promise<void> {
  const first = await api.GET("/v1/trends", { params: { query: { page_size: 7 } } });
  check(first.data !== undefined, "a first page");
  const paging = JSON.parse(first.response.headers.get("X-Pagination") ?? "{}") as Record<string, number | null>;
  const seen: number[] = (first.data ?? []).map((trend) => trend.number);
  let next = links(first.response.headers.get("Link")).get("next");
  while (next !== undefined) {
    const response = await fetch(next);
    const page = (await response.json()) as components["schemas"]["TrendSummary"][];
    seen.push(...page.map((trend) => trend.number));
    next = links(response.headers.get("Link")).get("next");
  }
  check(seen.length === paging.total && new Set(seen).size === seen.length, "every trend once by Link");
  check(first.response.headers.get("X-RateLimit-Remaining") !== null, "rate-limit headers readable");
}

async function revalidate(): Promise<void> {
  const first = await api.GET("/v1/trends/{number_or_slug}", { params: { path: { number_or_slug: "13" } } });
  const etag = first.response.headers.get("ETag");
  check(etag !== null && first.data?.number === 13, "a trend with its ETag");
  const again = await api.GET("/v1/trends/{number_or_slug}", {
    params: { path: { number_or_slug: "13" }, header: { "If-None-Match": etag ?? "" } },
  });
  check(again.response.status === 304, "304 for the ETag sent back");
  const expert: string = first.data?.expert.name ?? "";
  check(expert.length > 0, "the trend's expert");
  const followed = await fetch(first.data?.expert.url ?? ""); // an absolute url field, fetched as is
  const person = (await followed.json()) as components["schemas"]["ExpertDetail"];
  check(followed.status === 200 && person.name === expert, "the expert at its url");
}

async function search(): Promise<void> {
  const { data } = await api.GET("/v1/search", { params: { query: { q: "influenceurs", type: ["trend"] } } });
  check(data !== undefined && data.hits.length > 0, "hits");
  for (const hit of data?.hits ?? []) {
    for (const snippet of hit.snippets) {
      const marked = [...snippet.html.matchAll(/<mark>(.*?)<\/mark>/g)].map((found) => found[1]);
      const sliced = snippet.matches.map((match) => snippet.text.slice(match.start, match.end));
      check(JSON.stringify(marked) === JSON.stringify(sliced), `offsets in the snippet's text: ${hit.slug}`);
    }
  }
}

async function problems(): Promise<void> {
  const { error, response } = await api.GET("/v1/trends", { params: { query: { keyword: ["influensers"] } } });
  const problem: Problem | undefined = error;
  check(response.status === 404 && problem?.type === "/problems/not-found", "a typed problem");
  check((problem?.errors?.keyword ?? []).length === 1, "the parameter named");
}

await pageThroughTrends();
await revalidate();
await search();
await problems();
console.log("journey: ok");
