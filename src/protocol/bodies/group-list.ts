/** GroupList (QUERY_TOPIC_CONSUME_BY_WHO): the consumer groups of a topic. */
import { toFastJson } from '../../codec/fastjson.js';
import { list, parseJsonBody, str } from '../json.js';

export function encodeGroupList(groups: Iterable<string>): Buffer {
  return Buffer.from(toFastJson({ groupList: [...groups] }), 'utf8');
}

export function decodeGroupList(body: Buffer | undefined): string[] {
  return list(parseJsonBody(body, 'GroupList').groupList).map((g) => str(g));
}
