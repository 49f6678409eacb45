/** NameServer request/response headers. Keys are the Java field names. */
import { bool, int, long, optBool, optInt, optStr, str } from './header.js';

export const RegisterBrokerRequest = {
  brokerName: str(),
  brokerAddr: str(),
  clusterName: str(),
  haServerAddr: str(),
  brokerId: long(),
  compressed: optBool(),
  bodyCrc32: optInt(),
  /**
   * Apogee brokers only: their release, so an Apogee NameServer can say which brokers are Apogee.
   * Java NameServers decode a header by its class's fields and ignore keys they do not know.
   */
  apogeeRelease: optStr(),
};
export const RegisterBrokerResponse = { haServerAddr: optStr(), masterAddr: optStr() };

export const UnregisterBrokerRequest = { brokerName: str(), brokerAddr: str(), clusterName: str(), brokerId: long() };
export const QueryDataVersionRequest = UnregisterBrokerRequest;
export const QueryDataVersionResponse = { changed: bool() };

export const GetRouteInfoRequest = { topic: str(), acceptStandardJsonOnly: optBool() };
export const KVConfigRequest = { namespace: str(), key: str() };
/** What clients send for put/get/delete alike (value only on put). */
export const KVRequest = { namespace: str(), key: str(), value: optStr() };
export const PutKVConfigRequest = { namespace: str(), key: str(), value: str() };
export const GetKVConfigResponse = { value: optStr() };
export const GetKVListByNamespaceRequest = { namespace: str() };
export const WipeWritePermRequest = { brokerName: str() };
export const WipeWritePermResponse = { wipeTopicCount: optInt() };
export const AddWritePermResponse = { addTopicCount: optInt() };
export const DeleteTopicInNamesrvRequest = { topic: str(), clusterName: optStr() };
export const GetTopicsByClusterRequest = { cluster: str() };
