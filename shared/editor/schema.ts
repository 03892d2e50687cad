/** The editor's ProseMirror schema outside an editor (server, tests), built once per process: getSchema
 *  walks every extension, and the schema is the same for every document. */
import { getSchema } from '@tiptap/core';
import type { Schema } from '@tiptap/pm/model';
import { documentExtensions } from './extensions.js';

let schema: Schema | null = null;

export function documentSchema(): Schema {
  schema ??= getSchema(documentExtensions());
  return schema;
}
