// Which schema node describes the value at a JSON pointer (follows $ref, properties, items
// and the model's source discriminator). Used for annotations such as `x-public`.
import { environmentSchema, type JsonSchemaNode } from './check.js';
import { valueAt } from '../load/layers.js';

function deref(node: JsonSchemaNode | undefined): JsonSchemaNode | undefined {
  const ref = node?.$ref;
  if (typeof ref !== 'string' || !ref.startsWith('#/')) return node;
  let cur: unknown = environmentSchema;
  for (const part of ref.slice(2).split('/')) cur = (cur as Record<string, unknown>)[part];
  return { ...(cur as JsonSchemaNode), ...node, $ref: undefined };
}

export function schemaAt(pointer: string, root: unknown): JsonSchemaNode | undefined {
  let node: JsonSchemaNode | undefined = environmentSchema;
  let at = '';
  for (const part of pointer === '' ? [] : pointer.slice(1).split('/')) {
    node = deref(node);
    if (!node) return undefined;
    const disc = node.discriminator as { propertyName: string } | undefined;
    if (disc && Array.isArray(node.oneOf)) {
      const tag = (valueAt(root, at) as Record<string, unknown> | undefined)?.[disc.propertyName];
      node = (node.oneOf as JsonSchemaNode[]).map(deref).find((b) => (b?.properties?.[disc.propertyName] as JsonSchemaNode | undefined)?.const === tag);
      if (!node) return undefined;
    }
    node = /^\d+$/.test(part) && node.items ? (node.items as JsonSchemaNode) : node.properties?.[part];
    at = `${at}/${part}`;
  }
  return deref(node);
}
