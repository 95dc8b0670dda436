import type {
  LiveInputOutputCreate,
  LiveInputRecording,
  LiveInputWrite,
} from "#contracts/cloudflare/stream.ts";
import { isConnectedState } from "#contracts/cloudflare/stream.ts";
import { Collection } from "../../core/collection.ts";
import { CfHttpError, cfErrors } from "../../core/errors.ts";
import { newHexSecret, newTag, now } from "../../core/ids.ts";
import { subscribe } from "../../core/listeners.ts";
import type { Section, StateFile } from "../../core/state-file.ts";
import { SigningKeyStore } from "./signing-keys.ts";

export interface StoredLiveInput {
  uid: string;
  created: string;
  modified: string;
  meta: Record<string, unknown>;
  enabled: boolean;
  deleteRecordingAfterDays: number | null;
  preferLowLatency: boolean;
  defaultCreator?: string;
  keysRotatedAt?: string;
  recording: LiveInputRecording;
  streamKey: string;
  playbackKey: string;
  srtStreamId: string;
  srtPassphrase: string;
  srtPlaybackStreamId: string;
  srtPlaybackPassphrase: string;
  whipSecret: string;
  /** Cloudflare's state string, or null when nothing ever connected. */
  state: string | null;
  stateEnteredAt: string | null;
  history: { state: string; statusEnteredAt: string }[];
  /** The uid of the video of the current broadcast, while connected. */
  currentVideoUid: string | null;
  /** How the last broadcast came in (`rtmp`, `srt`, `webrtc`), when a real one did. */
  ingestProtocol?: string;
}

/**
 * A recording: the video each broadcast of a recorded input makes (docs/reference/cloudflare-api.md
 * §1.7). It is `live-inprogress` while the broadcast lasts and `ready` after it; deleting it removes
 * the recording, never the input.
 */
export interface StoredVideo {
  uid: string;
  liveInput: string;
  created: string;
  modified: string;
  meta: Record<string, unknown>;
  state: "live-inprogress" | "ready";
  /** Seconds, -1 while live (unknown). */
  duration: number;
  readyToStreamAt: string | null;
  /** From the input's `deleteRecordingAfterDays` when the broadcast began, else null. */
  scheduledDeletion: string | null;
}

/** An output (simulcast target) of a live input, docs/reference/cloudflare-api.md §1.8. */
export interface StoredOutput {
  uid: string;
  liveInput: string;
  url: string;
  streamKey: string;
  enabled: boolean;
}

/** "You can simulcast to up to 50 concurrent destinations from each live input." (§1.8, D-SIM) */
export const OUTPUTS_PER_INPUT = 50;

/**
 * A missing live input or output under `/outputs` answers code 10003, as Alchemy observed
 * (docs/reference/cloudflare-api.md §1.8, third-party evidence); the status 404 and the message are guesses.
 */
const outputsNotFound = (what: string) =>
  new CfHttpError(404, [{ code: 10003, message: `${what} not found` }]);

/** A live input's connection changed: a broadcaster connected, dropped or failed. */
export interface LiveInputStateChange {
  uid: string;
  /** Cloudflare's state string, or null for "never connected". */
  state: string | null;
  /** When the input entered the state. */
  at: string;
  /** What broke, when the change is an error. */
  error?: { code: string; message: string };
}

export type StateChangeListener = (change: LiveInputStateChange) => void;

/** Something about the live inputs changed: one was created, updated, rotated, deleted, or all were reset. */
export type InputsChangedListener = () => void;

interface StreamSection {
  /** The `customer-<code>` part of Stream delivery hosts. */
  customerCode: string;
  liveInputs: Record<string, StoredLiveInput>;
  videos: Record<string, StoredVideo>;
  outputs: Record<string, StoredOutput>;
}

const DEFAULT_RECORDING = {
  mode: "off",
  requireSignedURLs: false,
  allowedOrigins: null,
  timeoutSeconds: 0,
  hideLiveViewerCount: false,
} as const;

type Credentials = Pick<
  StoredLiveInput,
  | "streamKey"
  | "playbackKey"
  | "srtStreamId"
  | "srtPassphrase"
  | "srtPlaybackStreamId"
  | "srtPlaybackPassphrase"
  | "whipSecret"
>;

function newCredentials(): Credentials {
  return {
    streamKey: newHexSecret().slice(0, 32) + "k" + newTag(),
    playbackKey: newHexSecret().slice(0, 32) + "p" + newTag(),
    srtStreamId: newTag(),
    srtPassphrase: newHexSecret().slice(0, 32),
    srtPlaybackStreamId: newTag(),
    srtPlaybackPassphrase: newHexSecret().slice(0, 32),
    whipSecret: newHexSecret(),
  };
}

const newCustomerCode = () => newTag().slice(0, 16);

/** Stream live inputs: their settings, ingest credentials and connection state. */
export class StreamStore {
  private code: string;
  private inputs: Collection<StoredLiveInput>;
  private videos: Collection<StoredVideo>;
  private outputs: Collection<StoredOutput>;
  private readonly listeners: StateChangeListener[] = [];
  private readonly changeListeners: InputsChangedListener[] = [];
  private readonly section: Section<StreamSection>;
  /** The account's signing keys, for signed playback of inputs that require it. */
  readonly signingKeys: SigningKeyStore;

  constructor(state: StateFile) {
    this.signingKeys = new SigningKeyStore(state);
    this.section = state.section<StreamSection>(["customerCode", "liveInputs", "videos", "outputs"], () => ({
      customerCode: this.code,
      liveInputs: this.inputs.toJSON(),
      videos: this.videos.toJSON(),
      outputs: this.outputs.toJSON(),
    }));
    this.code = this.section.loaded?.customerCode ?? newCustomerCode();
    this.inputs = new Collection("Live input", this.section.loaded?.liveInputs);
    this.videos = new Collection("Video", this.section.loaded?.videos);
    this.outputs = new Collection("Output", this.section.loaded?.outputs);
  }

  get customerCode(): string {
    return this.code;
  }

  list(): Readonly<StoredLiveInput>[] {
    return this.inputs.values();
  }

  get(uid: string): Readonly<StoredLiveInput> | undefined {
    return this.inputs.get(uid);
  }

  /** The live input, or Cloudflare's 404. */
  find(uid: string): Readonly<StoredLiveInput> {
    return this.inputs.find(uid);
  }

  create(body: LiveInputWrite): Readonly<StoredLiveInput> {
    const at = now();
    const input: StoredLiveInput = {
      uid: newTag(),
      created: at,
      modified: at,
      meta: body.meta ?? {},
      enabled: body.enabled ?? true,
      deleteRecordingAfterDays: body.deleteRecordingAfterDays ?? null,
      preferLowLatency: body.preferLowLatency ?? false,
      ...(body.defaultCreator ? { defaultCreator: body.defaultCreator } : {}),
      recording: { ...DEFAULT_RECORDING, ...body.recording },
      ...newCredentials(),
      state: null,
      stateEnteredAt: null,
      history: [],
      currentVideoUid: null,
    };
    this.inputs.set(input.uid, input);
    this.saved();
    return input;
  }

  /** Only what the body names changes. Disabling an input ends the broadcast in progress (docs/reference/cloudflare-api.md §1.2). */
  update(uid: string, body: LiveInputWrite): Readonly<StoredLiveInput> {
    const input = this.inputs.find(uid);
    if (body.meta !== undefined) input.meta = body.meta;
    if (body.enabled !== undefined) input.enabled = body.enabled;
    if (body.deleteRecordingAfterDays !== undefined)
      input.deleteRecordingAfterDays = body.deleteRecordingAfterDays;
    if (body.preferLowLatency !== undefined) input.preferLowLatency = body.preferLowLatency;
    if (body.defaultCreator !== undefined) input.defaultCreator = body.defaultCreator;
    if (body.recording !== undefined) input.recording = { ...input.recording, ...body.recording };
    input.modified = now();
    this.commit(
      input,
      !input.enabled && isConnectedState(input.state) ? { state: "client_disconnect" } : undefined,
    );
    return input;
  }

  /** Its outputs go with it. */
  delete(uid: string): void {
    this.inputs.remove(uid);
    for (const output of this.outputs.values()) {
      if (output.liveInput === uid) this.outputs.remove(output.uid);
    }
    this.saved();
  }

  /** The input's outputs, oldest first; 10003 when the input is missing. */
  listOutputs(inputUid: string): Readonly<StoredOutput>[] {
    this.inputWithOutputs(inputUid);
    return this.outputs.values().filter((o) => o.liveInput === inputUid);
  }

  /** A new output, enabled unless the body says otherwise; at most 50 per input (§1.8). */
  createOutput(inputUid: string, body: LiveInputOutputCreate): Readonly<StoredOutput> {
    if (this.listOutputs(inputUid).length >= OUTPUTS_PER_INPUT) {
      // Cloudflare documents the limit, not its error: the status, code and message are a guess.
      throw cfErrors.quotaExceeded(`A live input can have at most ${OUTPUTS_PER_INPUT} outputs`);
    }
    const output: StoredOutput = {
      uid: newTag(),
      liveInput: inputUid,
      url: body.url,
      streamKey: body.streamKey,
      enabled: body.enabled ?? true,
    };
    this.outputs.set(output.uid, output);
    this.saved();
    return output;
  }

  /** Only `enabled` changes: Cloudflare's update takes nothing else (§1.8). */
  updateOutput(inputUid: string, outputUid: string, enabled: boolean): Readonly<StoredOutput> {
    const output = this.outputOf(inputUid, outputUid);
    output.enabled = enabled;
    this.saved();
    return output;
  }

  deleteOutput(inputUid: string, outputUid: string): void {
    this.outputOf(inputUid, outputUid);
    this.outputs.remove(outputUid);
    this.saved();
  }

  private inputWithOutputs(inputUid: string): Readonly<StoredLiveInput> {
    const input = this.inputs.get(inputUid);
    if (!input) throw outputsNotFound("Live input");
    return input;
  }

  private outputOf(inputUid: string, outputUid: string): StoredOutput {
    this.inputWithOutputs(inputUid);
    const output = this.outputs.get(outputUid);
    if (output?.liveInput !== inputUid) throw outputsNotFound("Output");
    return output;
  }

  /** New ingest credentials; the old ones stop working and a connected broadcaster is dropped. */
  rotateKeys(uid: string): Readonly<StoredLiveInput> {
    const input = this.inputs.find(uid);
    Object.assign(input, newCredentials());
    input.keysRotatedAt = now();
    input.modified = input.keysRotatedAt;
    this.commit(input, isConnectedState(input.state) ? { state: "client_disconnect" } : undefined);
    return input;
  }

  /**
   * Moves the input to a new connection state, as a broadcaster connecting or dropping does (the
   * media plane, for real broadcasts) or an admin flip; `ingestProtocol` says how a real one came in.
   */
  setConnectionState(
    uid: string,
    state: string | null,
    error?: { code: string; message: string },
    ingestProtocol?: string,
  ): Readonly<StoredLiveInput> {
    const input = this.inputs.find(uid);
    if (ingestProtocol) input.ingestProtocol = ingestProtocol;
    this.commit(input, { state, ...(error ? { error } : {}) });
    return input;
  }

  /** Called after each connection state change has been stored; returns the unsubscribe. */
  onStateChange(listener: StateChangeListener): () => void {
    return subscribe(this.listeners, listener);
  }

  /**
   * Called after every stored change to the inputs (settings, credentials, deletion, reset), so that
   * whoever serves their ingest (the media plane) can drop what no longer holds; returns the unsubscribe.
   */
  onInputsChanged(listener: InputsChangedListener): () => void {
    return subscribe(this.changeListeners, listener);
  }

  /** The account's videos, newest first, optionally of one live input only. */
  listVideos(filter: { liveInput?: string } = {}): Readonly<StoredVideo>[] {
    return this.videos
      .values()
      .filter((v) => filter.liveInput === undefined || v.liveInput === filter.liveInput)
      .sort((a, b) => b.created.localeCompare(a.created));
  }

  /** The video, or Cloudflare's 404. */
  findVideo(uid: string): Readonly<StoredVideo> {
    return this.videos.find(uid);
  }

  /** Deletes a recording; the input and a broadcast in progress are not affected. */
  deleteVideo(uid: string): void {
    this.videos.remove(uid);
    this.section.changed();
  }

  /** No live inputs, no videos, no signing keys, and a new customer code. */
  reset(): void {
    this.signingKeys.reset();
    this.code = newCustomerCode();
    this.inputs = new Collection("Live input");
    this.videos = new Collection("Video");
    this.outputs = new Collection("Output");
    this.saved();
  }

  private saved(): void {
    this.section.changed();
    for (const listener of [...this.changeListeners]) listener();
  }

  /** Saves a changed input, with its connection moved to `move.state` first when given. */
  private commit(input: StoredLiveInput, move?: Omit<LiveInputStateChange, "uid" | "at">): void {
    if (!move) {
      this.saved();
      return;
    }
    const at = now();
    input.state = move.state;
    input.stateEnteredAt = at;
    if (move.state !== null) {
      input.history = [{ state: move.state, statusEnteredAt: at }, ...input.history].slice(0, 20);
    }
    if (isConnectedState(move.state)) {
      input.currentVideoUid ??= this.startRecording(input, at);
    } else if (input.currentVideoUid !== null) {
      this.finishRecording(input.currentVideoUid, at);
      input.currentVideoUid = null;
    }
    this.section.changed();
    const change = { uid: input.uid, at, ...move };
    for (const listener of [...this.listeners]) listener(change);
    for (const listener of [...this.changeListeners]) listener();
  }

  /**
   * A broadcast begins: its video uid, recorded as a video when the input records and the broadcast
   * is not WHIP (WHIP is not recorded, docs/reference/cloudflare-api.md §1.5).
   */
  private startRecording(input: StoredLiveInput, at: string): string {
    const uid = newTag();
    if (input.recording.mode !== "automatic" || input.ingestProtocol === "webrtc") return uid;
    const days = input.deleteRecordingAfterDays;
    this.videos.set(uid, {
      uid,
      liveInput: input.uid,
      created: at,
      modified: at,
      meta: { ...input.meta },
      state: "live-inprogress",
      duration: -1,
      readyToStreamAt: null,
      scheduledDeletion: days === null ? null : new Date(Date.parse(at) + days * 86_400_000).toISOString(),
    });
    return uid;
  }

  private finishRecording(uid: string, at: string): void {
    const video = this.videos.get(uid);
    if (!video) return;
    video.state = "ready";
    video.duration = Math.max(0, (Date.parse(at) - Date.parse(video.created)) / 1000);
    video.readyToStreamAt = at;
    video.modified = at;
  }
}
