// The layering of src/, checked on every `npm test` by test/architecture/layering.test.ts (and by hand
// with `npx depcruise src`). The layers, bottom to top:
//
//   codec       bytes <-> frames, headers and message records; pure computation on buffers
//   common      small server-free helpers (config parsing, paths, logging, listening)
//   protocol    request/response codes, typed headers and JSON bodies, built on codec and common
//   transport   TCP connections for both sides, built on codec, protocol and common
//   client      the SDK, built on the four layers above and nothing else
//   store, broker, namesrv, metrics, cluster, upgrade, cli, testing   the server side and its tooling
//
// Each rule below says why it exists; a violation names the rule, the importing file and the
// imported one. Paths are relative to the repository root.

/** Directories the client SDK may reach: everything below it, none of the server side. */
const CLIENT_LAYERS = '^src/(client|codec|protocol|transport|common)/';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'codec-does-no-io',
      severity: 'error',
      comment:
        'The codec is pure computation on buffers so that it can be tested on bytes alone and used ' +
        'from any layer; sockets, files and processes belong to transport, store and cli.',
      from: { path: '^src/codec/' },
      to: { dependencyTypes: ['core'], path: '^(node:)?(net|dgram|tls|http|https|http2|fs|fs/promises|child_process|cluster|worker_threads)$' },
    },
    {
      name: 'codec-is-self-contained',
      severity: 'error',
      comment:
        'The codec sits at the bottom: it imports only its own files and Node built-ins (today ' +
        'node:buffer and node:zlib), never another part of src/ nor an npm package, so the hot ' +
        'encode/decode path stays dependency-free.',
      from: { path: '^src/codec/' },
      to: { dependencyTypesNot: ['core'], pathNot: '^src/codec/' },
    },
    {
      name: 'common-is-server-free',
      severity: 'error',
      comment:
        'src/common is shared by the client SDK and the servers, so it imports nothing else from ' +
        'src/; anything that needs the codec, protocol or a server belongs in that layer instead.',
      from: { path: '^src/common/' },
      to: { path: '^src/', pathNot: '^src/common/' },
    },
    {
      name: 'protocol-only-on-codec-and-common',
      severity: 'error',
      comment:
        'The protocol describes what goes over the wire; it is shared by the client and the servers ' +
        'and so may build only on codec and common, never on transport, the client or a server.',
      from: { path: '^src/protocol/' },
      to: { path: '^src/', pathNot: '^src/(protocol|codec|common)/' },
    },
    {
      name: 'transport-below-client-and-servers',
      severity: 'error',
      comment:
        'The client uses transport, so transport may reach only codec, protocol and common; ' +
        'otherwise the client would pull server code in through it.',
      from: { path: '^src/transport/' },
      to: { path: '^src/', pathNot: '^src/(transport|codec|protocol|common)/' },
    },
    {
      name: 'client-imports-no-server-code',
      severity: 'error',
      comment:
        'The client SDK ships to applications: it may import codec, protocol, transport and common, ' +
        'never broker, namesrv, store, cluster, upgrade, cli or testing. (Together with the rules ' +
        'above this also holds for what the client imports indirectly.)',
      from: { path: '^src/client/' },
      to: { path: '^src/', pathNot: CLIENT_LAYERS },
    },
    {
      name: 'store-imports-no-broker',
      severity: 'error',
      comment:
        'The store is the layer the broker is built on; a store that reached back into the broker ' +
        'could not be opened, tested or recovered on its own.',
      from: { path: '^src/store/' },
      to: { path: '^src/broker/' },
    },
    {
      name: 'processors-are-independent',
      severity: 'error',
      comment:
        'Each processor handles its own request codes; logic two processors share lives in a module ' +
        'beside them (context, filter, metadata, ...) so that one can change without the other.',
      from: { path: '^src/(broker|namesrv)/processors/' },
      to: { path: '^src/(broker|namesrv)/processors/' },
    },
    {
      name: 'store-only-through-index',
      severity: 'error',
      comment:
        'The store is entered through its facade (src/store/index.ts) only, so its services can be ' +
        'reshaped without touching the broker.',
      from: { path: '^src/', pathNot: '^src/store/' },
      to: { path: '^src/store/', pathNot: '^src/store/index\\.ts$' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      comment:
        'A cycle of runtime imports makes module initialisation order matter (an import can be ' +
        'undefined while the cycle loads) and makes its modules impossible to understand or test one ' +
        'at a time.',
      from: { path: '^src/' },
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    {
      name: 'no-circular-through-types',
      severity: 'error',
      comment:
        'A cycle closed by an `import type` is harmless at runtime but still ties the modules in it ' +
        'together; the type belongs in a module both can import.',
      from: { path: '^src/' },
      to: { circular: true, via: { dependencyTypes: ['type-only'] } },
    },
  ],
  options: {
    // Only our own code is checked; npm packages are leaves.
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|node_modules)/' },
    // Type-only imports count: they couple the layers as much as value imports do.
    tsPreCompilationDeps: true,
    // Resolves the `.js` specifiers of NodeNext to the `.ts` sources.
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
