// TypeScript declarations for lpedge's page API: window.lpedge.
//
// Load it with the stub (printed by `go run ./jsglue/cmd/build`) and:
//
//   <script async src="https://edge.example.com/lpedge.js"
//     integrity="sha384-..." crossorigin="anonymous"
//     data-account="12345678"            (required: your LivePerson account id)
//     data-app="<app installation id>"   (required with data-domain: the Monitoring app installation id)
//     data-domain="va.v.liveperson.net"  (the Monitoring (smt) host; reports then go straight to LivePerson,
//                                         as POST with X-HTTP-Method-Override: PUT)
//     data-proxy="https://edge.example.com"  (the lpedge proxy: needed for conversations; without
//                                         data-domain, reports go through its /v1/report)
//     data-consent="required"            (optional: nothing is stored or sent before lpedge.consent)
//     data-debug="true"                  (optional: as lpedge.debug(true))
//     data-capture="datalayer segment"   (optional, either or both: zero-code capture of the page's
//                                         GA4 dataLayer / gtag.js events, and of Segment's analytics.js)
//     data-datalayer-name="dataLayer"    (optional: the dataLayer's name; default dataLayer)
//     data-thread="main"></script>       (optional: the module on the page's thread; default "worker", a Web Worker)
//
// Calls made before the module is ready are queued by the stub and
// replayed in order. Invalid arguments are refused with a console error
// that names the argument; nothing invalid is sent. Every error and
// warning has one form: "lpedge: " the call (track's with its event) or
// the data attribute, ": " the field, ": " what is wrong, e.g.
//   lpedge: track("Product Viewed"): price: want a number, got a string ("49.99")
// What would be dropped in silence is a warning, debug mode or not: a
// number JSON cannot carry (NaN, Infinity), an email address as the
// customer id, an id trait. Properties and traits the retail preset does
// not read are named in debug mode only. A proxy that serves another
// account than data-account (or data-app) answers 400 account_mismatch,
// which is a console error.
//
// Threads: the module runs in a dedicated Web Worker, which lpedge.js
// starts from a Blob URL of its own code; the page's thread keeps this
// API, lpTag, storage, the DOM events, the module's requests and what is
// sent and stored at pagehide (calls the worker had not reached yet are
// kept for the next page). A Content-Security-Policy that sets worker-src
// (or child-src, or script-src without them) must allow blob: for that;
// without it, without Worker, or with data-thread="main", the tag runs on
// the page's thread, and says so in debug mode. The API and its Promises
// are the same in both modes.

export {};

declare global {
  interface Window {
    lpedge: LpEdge;
  }
  const lpedge: LpEdge;
}

/** A JSON value: lpedge passes its arguments through JSON.stringify. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** Properties of a Segment e-commerce event (spec v2 names: product_id, sku, name, price, quantity, currency, products[], order_id, total, revenue, query, ...). */
export type EventProperties = { [key: string]: Json };

/**
 * The events the retail preset maps, and the engagement attribute each
 * becomes. Names match ignoring case; other names are refused.
 */
export type RetailEvent =
  | "Product Viewed" // prodView
  | "Product List Viewed" // prodView of the list's products
  | "Products Searched" // searchInfo (keywords: the words of query)
  | "Product Added" // cart (the whole cart)
  | "Product Removed" // cart
  | "Cart Viewed" // cart
  | "Checkout Started" // cart
  | "Order Completed" // purchase
  | "Lead Generated"; // lead

/** An engagement attribute in LivePerson's own shape, as lpTag.sdes.push takes it, e.g. {type: "cart", total: 10, numItems: 1}. */
export interface SDE {
  type: string;
  [field: string]: Json;
}

/** The engagement LivePerson offers the visitor. */
export interface Engagement {
  campaignId: number;
  engagementId: number;
  engagementRevision: number;
  contextId: string;
  connectorId?: string;
  conversationId?: string;
  windowId?: string;
  language?: string;
  status?: string;
}

/** The method object LivePerson passes a custom connector's JS method. */
export interface ConnectorMethodObject {
  svid?: string; // Monitoring visitor id
  ssid?: string; // Monitoring session id
  scid?: string; // context id
  cid: string | number; // campaign id
  eid: string | number; // engagement id
  [other: string]: unknown;
}

/** Who sent a conversation event: LivePerson's originator role. */
export type Role = "CONSUMER" | "ASSIGNED_AGENT" | "AGENT" | "MANAGER" | "CONTROLLER" | string;

/** A message of the conversation, the agent's or the shopper's own (echoed by LivePerson). */
export interface MessageEvent {
  seq: number; // the proxy's position in the conversation's log: consecutive, growing (large numbers); each seq reaches a listener once
  sequence: number; // LivePerson's message sequence, which read events name
  time: number; // ms since the epoch (LivePerson's server time)
  role: Role;
  own: boolean; // the shopper's own message
  text?: string; // a text message
  content?: Json; // rich content (a structured message) instead of text
}

/** The agent is writing, or stopped. */
export interface TypingEvent {
  seq: number;
  time: number;
  role: Role;
  own: boolean; // always false: the shopper's own typing is not echoed
  typing: boolean;
}

/** The agent received ("ACCEPT") or read ("READ") the shopper's messages of these sequences. */
export interface ReadEvent {
  seq: number;
  time: number;
  role: Role;
  own: boolean; // always false: the shopper's own receipts are not echoed
  status: "ACCEPT" | "READ" | string;
  sequences: number[];
}

/**
 * The conversation's state: "accepted" once an agent is assigned,
 * "closed" by the agent or by close() (then own is true and there is no
 * seq). After "closed", start() opens a new conversation.
 */
export interface StateEvent {
  seq?: number;
  time?: number;
  state: "open" | "accepted" | "closed";
  own: boolean; // true for the "closed" that close() reports
}

export interface ConversationEvents {
  message: MessageEvent;
  typing: TypingEvent;
  read: ReadEvent;
  state: StateEvent;
}

/**
 * The Error a Promise method rejects with when no answer came from the
 * proxy (or, with data-domain, from LivePerson): the browser is offline,
 * or the server is down or refuses this page's origin (CORS). The console
 * has a warning with the same message. Offer the visitor a retry:
 *
 *   lpedge.conversation.start({message}).catch(e => {
 *     if (e.code == "unreachable") showRetry(); else showError(e.message);
 *   });
 *
 * Any other rejection is a plain Error whose message says what to check.
 */
export interface UnreachableError extends Error {
  code: "unreachable";
  /** The proxy's base URL (data-proxy), or LivePerson's Monitoring origin. */
  url: string;
  /** "lpedge: <call>: could not reach the proxy at <url> (...)" */
  message: string;
}

export interface LpEdge {
  /** Reports a Segment e-commerce event as engagement attributes. */
  track(event: RetailEvent | string, properties?: EventProperties): void;
  /**
   * Reports who the visitor is: ctmrinfo (customerId) and personal (from
   * firstName, lastName, email, phone, ...). Later reports carry the
   * identity {iss: location.origin, acr, sub: customerId}; customerId must
   * be stable and unguessable (not an email address or a counter).
   */
  identify(customerId: string, traits?: EventProperties): void;
  identify(traits: EventProperties): void;
  /**
   * Reports a page view: url (default location.href) and sections
   * (default lpTag.section) become the entry points of this and later
   * reports.
   */
  page(url?: string, options?: { sections?: string | string[] }): void;
  page(options: { sections?: string | string[] }): void;
  sdes: {
    /** Reports raw engagement attributes, one or an array. */
    push(sde: SDE | SDE[]): void;
  };
  /**
   * Records consent. With data-consent="required": {marketing: true} lets
   * lpedge store and send (what waited goes out); {marketing: false}
   * drops what waited and removes what was stored. acr of an identified
   * visitor is "loa1" with marketing consent, "0" without.
   */
  consent(choice: { marketing: boolean }): void;
  /** Asks for the engagement the visitor may see; null when none. */
  engagement(options?: { sections?: string | string[]; sdes?: SDE | SDE[] }): Promise<Engagement | null>;
  conversation: {
    /**
     * Opens a messaging conversation through the proxy (an open one is
     * reused) with the last engagement (asked for when there is none) and
     * sends message. sdes: ctmrinfo and personal only (without customerId).
     */
    start(options?: { message?: string; sdes?: SDE | SDE[]; lang?: string }): Promise<{ conversationId: string }>;
    /** Sends a text message (at most 5000 characters). */
    send(text: string): Promise<void>;
    /** Closes the conversation; state listeners hear "closed". */
    close(): Promise<void>;
    /**
     * Tells the agent whether the shopper is writing (call it as the
     * input changes; the same state twice sends nothing). Sending a
     * message ends typing; so does leaving the page.
     */
    typing(on: boolean): void;
    /**
     * Calls callback with each event of the conversation from now on: the
     * agent's side streamed from the proxy, and the shopper's own messages.
     * Add listeners at load (it works before the module is ready): after a
     * reload the open conversation comes back and its history is handed
     * to them first, each event once, then live ones. A listener added
     * later gets only what happens after. Messages of the agent that a
     * message listener gets while the page is visible are marked read
     * (or once it becomes visible).
     */
    on<E extends keyof ConversationEvents>(event: E, callback: (e: ConversationEvents[E]) => void): void;
    /** Removes a listener on added. */
    off<E extends keyof ConversationEvents>(event: E, callback: (e: ConversationEvents[E]) => void): void;
  };
  /**
   * Name "lpedge.connectorClick" as the custom connector's JS method in
   * LivePerson: it opens the conversation with the engagement's context.
   */
  connectorClick(methodObject: ConnectorMethodObject): Promise<{ conversationId: string }>;
  /** Calls callback once the module is ready (at once if it is). */
  ready(callback: () => void): void;
  /** Logs every request, answer and decision to the console. */
  debug(on?: boolean): void;
  /**
   * An analytics.js (analytics-next) destination plugin that forwards
   * Segment's track (the e-commerce events the retail preset maps; others
   * are ignored), identify and page to lpedge: analytics.register(
   * lpedge.segment()) once lpedge.js has run, or data-capture="segment".
   * Defined by lpedge.js, not by the stub.
   */
  segment?(): SegmentPlugin;
}

/** The destination plugin lpedge.segment() returns (analytics-next's Plugin). */
export interface SegmentPlugin {
  name: "lpedge";
  type: "destination";
  version: string;
  isLoaded(): boolean;
  load(): Promise<void>;
  /** Each returns the context it got. */
  track<C extends { event: SegmentEvent }>(ctx: C): C;
  identify<C extends { event: SegmentEvent }>(ctx: C): C;
  page<C extends { event: SegmentEvent }>(ctx: C): C;
}

/** The members of a Segment event the plugin reads. */
export interface SegmentEvent {
  event?: string;
  properties?: Record<string, unknown> & { url?: string };
  userId?: string | null;
  traits?: Record<string, unknown>;
}
