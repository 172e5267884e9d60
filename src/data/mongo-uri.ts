/**
 * MongoDB connection strings as netsec takes them: `mongodb://` or `mongodb+srv://`, optional
 * `user:password@`, one or more hosts, an optional `/database` path, and query options. netsec's
 * own `db` and `collection` query options are taken out before the URI reaches the driver.
 * `redacted` never contains the user, the password or secret-looking option values.
 */
import { NetsecError } from "../errors.ts";

export const DEFAULT_DB = "netsec";
export const DEFAULT_COLLECTION = "phishing";

export interface MongoTarget {
  /** The URI given to the driver (netsec's own options removed). */
  clientUri: string;
  /** Safe to print: credentials and secret option values replaced by `***`. */
  redacted: string;
  /** `host:port[,host:port…]` as written in the URI. */
  hosts: string;
  db: string;
  collection: string;
  /** The raw user info (to scrub from driver messages); undefined when none. */
  secrets: string[];
  /** True when the URI sets `serverSelectionTimeoutMS` itself. */
  hasSelectionTimeout: boolean;
}

const URI = /^(mongodb(?:\+srv)?):\/\/(?:([^@/?]*)@)?([^/?]+)(\/[^?]*)?(?:\?(.*))?$/i;
const SECRET_OPTION = /pass|secret|token|authmechanismproperties/i;

export function isMongoUri(spec: string): boolean {
  return /^mongodb(\+srv)?:\/\//i.test(spec.trim());
}

/** Replace credentials in any text that may contain a MongoDB URI. */
export function redactUri(text: string): string {
  return text.replace(/([a-z][\w+.-]*:\/\/)[^@/\s]*@/gi, "$1***@");
}

export function parseMongoUri(uri: string, options: { db?: string; collection?: string } = {}): MongoTarget {
  const match = URI.exec(uri.trim());
  if (!match) {
    throw new NetsecError("CONFIG_INVALID", `not a MongoDB connection string: ${redactUri(uri)} (expected mongodb://[user:password@]host[:port][/db][?db=…&collection=…] or mongodb+srv://…)`);
  }
  const [, scheme, userinfo, hosts, path, query] = match;
  const params = new URLSearchParams(query ?? "");
  const queryDb = params.get("db") ?? undefined;
  const queryCollection = params.get("collection") ?? undefined;
  params.delete("db");
  params.delete("collection");
  const pathDb = path && path.length > 1 ? decodeURIComponent(path.slice(1)) : undefined;
  const db = options.db ?? queryDb ?? pathDb ?? DEFAULT_DB;
  const collection = options.collection ?? queryCollection ?? DEFAULT_COLLECTION;
  if (/[/\\. "$]/.test(db) || db === "") throw new NetsecError("CONFIG_INVALID", `invalid MongoDB database name "${db}" (no / \\ . space " or $)`);
  if (collection === "" || collection.includes("$") || collection.startsWith("system.")) {
    throw new NetsecError("CONFIG_INVALID", `invalid MongoDB collection name "${collection}"`);
  }
  const rest = params.toString();
  const clientUri = `${scheme}://${userinfo !== undefined ? `${userinfo}@` : ""}${hosts}${path ?? "/"}${rest ? `?${rest}` : ""}`;
  const shown = new URLSearchParams();
  for (const [key, value] of params) shown.append(key, SECRET_OPTION.test(key) ? "***" : value);
  const shownQuery = shown.toString().replaceAll("%2A", "*");
  const redacted = `${scheme}://${userinfo !== undefined ? "***@" : ""}${hosts}${path ?? ""}${shownQuery ? `?${shownQuery}` : ""}`;
  const secrets: string[] = [];
  if (userinfo) {
    secrets.push(userinfo);
    const colon = userinfo.indexOf(":");
    if (colon >= 0 && colon < userinfo.length - 1) {
      secrets.push(userinfo.slice(colon + 1));
      try {
        secrets.push(decodeURIComponent(userinfo.slice(colon + 1)));
      } catch {
        // not percent-encoded: the raw form is already listed
      }
    }
  }
  for (const [key, value] of params) if (SECRET_OPTION.test(key) && value) secrets.push(value);
  return { clientUri, redacted, hosts, db, collection, secrets, hasSelectionTimeout: params.has("serverSelectionTimeoutMS") };
}

/** Remove every secret of `target` (and any URI credentials) from a message. */
export function scrub(text: string, target: MongoTarget): string {
  let out = redactUri(text);
  for (const secret of target.secrets.filter((s) => s.length >= 3).sort((a, b) => b.length - a.length)) out = out.replaceAll(secret, "***");
  return out;
}
