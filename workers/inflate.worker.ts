/// <reference lib="webworker" />
// Thread entry point only: one gzip stream inflated for the betas worker (src/formats/inflate-offthread.ts).
import { serveInflater } from '../src/formats/inflate-offthread.ts';

serveInflater(self as unknown as Parameters<typeof serveInflater>[0]);
