/// <reference types="node" preserve="true" />
/**
 * asyncio-ts/http: an HTTP/1.1 server and client on the loop, named and behaving as aiohttp's
 * (camelCased, durations in seconds), on Node's `node:http`. Every request a server handles runs
 * as a Task; every request a client makes can be cancelled or timed out and always gives its
 * connection back. The public surface, re-exported from the module of each concept.
 * @module asyncio-ts/http
 */

export { Application, type ApplicationOptions, type AppHook, type Middleware } from "./web_app.ts";
export { UrlDispatcher, RouteTableDef, Route, type Handler, type PathParams, type PathParamNames, type RouteDef, type RouteOptions, type Resolution } from "./router.ts";
export { Request } from "./request.ts";
export { StreamResponse, Response, jsonResponse, type StreamResponseOptions, type ResponseOptions, type JsonResponseOptions } from "./response.ts";
export { AppRunner, TCPSite, runApp, type AppRunnerOptions, type AppRunnerStatistics, type TCPSiteOptions, type RunAppOptions } from "./server.ts";
export {
  HTTPException,
  HTTPBadRequest,
  HTTPForbidden,
  HTTPNotFound,
  HTTPMethodNotAllowed,
  HTTPRequestTimeout,
  HTTPRequestEntityTooLarge,
  HTTPInternalServerError,
  HTTPServiceUnavailable,
  HTTPGatewayTimeout,
  type HTTPExceptionOptions,
} from "./web_exceptions.ts";
export { ClientSession, type ClientSessionOptions, type RequestOptions } from "./client.ts";
export { ClientResponse } from "./client_reqrep.ts";
export { TCPConnector, type TCPConnectorOptions, type ConnectorStatistics } from "./connector.ts";
export { ClientTimeout, type ClientTimeoutOptions } from "./timeouts.ts";
export {
  ClientError,
  ClientResponseError,
  ContentTypeError,
  InvalidURL,
  ServerTimeoutError,
  ConnectionTimeoutError,
  SocketTimeoutError,
} from "./client_exceptions.ts";
