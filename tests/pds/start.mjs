// A real Bluesky PDS (@atproto/pds) with an in-memory PLC directory (@did-plc/server), for the test suite.
//
// Every listener is bound to 127.0.0.1 and nothing reaches out: no relay crawlers, no AppView, no real PLC
// directory, no mail server. Invites, rate limits and email confirmation are off.
//
// Run from this folder (after install.sh): node start.mjs
// Environment:
//   PDS_DATA   required: an empty or missing folder for this run's databases and blobs. The PLC directory
//              lives in memory, so accounts from an earlier run would point at DIDs that no longer exist.
//   PDS_PORT   port for the PDS (default 2583)
//   PLC_PORT   port for the PLC directory (default 2582)
//   PDS_STOP_ON_STDIN_EOF=1   stop when standard input closes, so a crashed parent leaves no server behind.
//   Any PDS_* or LOG_* variable set by the caller wins over the defaults below.
//
// Standard output carries exactly one JSON line: {"ready": true, ...} once both servers answer, or
// {"ready": false, "error": ...} when start-up fails (exit code 1). SIGTERM or SIGINT stop both servers.
import crypto from 'node:crypto'
import fs from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import { createRequire } from 'node:module'

const LOOPBACK = '127.0.0.1'
const require = createRequire(import.meta.url)

// Both packages call `app.listen(port)`, which binds every interface. The test servers must stay on
// loopback, so a listen() given only a port (or an options object without a host) gets 127.0.0.1.
const listen = net.Server.prototype.listen
net.Server.prototype.listen = function (...args) {
  const [first] = args
  if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) {
    const callback = args.find((a) => typeof a === 'function')
    return callback
      ? listen.call(this, Number(first), LOOPBACK, callback)
      : listen.call(this, Number(first), LOOPBACK)
  }
  if (first && typeof first === 'object' && first.path === undefined && first.host === undefined) {
    return listen.call(this, { ...first, host: LOOPBACK }, ...args.slice(1))
  }
  return listen.apply(this, args)
}

const port = (name, fallback) => {
  const raw = process.env[name] ?? String(fallback)
  const value = Number(raw)
  if (!Number.isInteger(value) || value < 1 || value > 65535) {
    throw new Error(`${name} must be a port number, got ${JSON.stringify(raw)}`)
  }
  return value
}

const freshDataDir = (raw) => {
  if (!raw) throw new Error('PDS_DATA must name a folder for this run')
  const dir = path.resolve(raw)
  if (fs.existsSync(dir) && fs.readdirSync(dir).length > 0) {
    throw new Error(`PDS_DATA ${dir} is not empty; the PLC directory is in memory, so each run needs a new one`)
  }
  fs.mkdirSync(path.join(dir, 'blobs'), { recursive: true })
  return dir
}

const boundTo = (server, name) => {
  const address = server.address()
  if (!address || address.address !== LOOPBACK) {
    throw new Error(`${name} listens on ${JSON.stringify(address)}, not ${LOOPBACK}`)
  }
  return address.port
}

const hex = (bytes) => crypto.randomBytes(bytes).toString('hex')

let plc = null
let pds = null
let stopping = false

const stop = async (code) => {
  if (stopping) return
  stopping = true
  let exitCode = code
  try {
    if (pds) await pds.destroy()
    if (plc) await plc.destroy()
  } catch (err) {
    process.stderr.write(`stopping failed: ${err?.stack ?? err}\n`)
    exitCode = 1
  }
  // Leave through the event loop rather than process.exit(): the loggers flush their files on exit and
  // throw if asked to before those files are open. The timer covers handles that never close (a PDS
  // that failed half-way through start-up is not destroyed).
  process.exitCode = exitCode
  process.stdin.destroy()
  setTimeout(() => process.exit(exitCode), exitCode === 0 ? 5000 : 500).unref()
}

const main = async () => {
  const started = process.hrtime.bigint()
  const plcPort = port('PLC_PORT', 2582)
  const pdsPort = port('PDS_PORT', 2583)
  const dataDir = freshDataDir(process.env.PDS_DATA)

  // Fresh secrets each run: the data folder is fresh too, so nothing signed earlier must stay valid.
  const defaults = {
    PDS_HOSTNAME: 'localhost', // publicUrl http://localhost:<port>, service DID did:web:localhost
    PDS_PORT: String(pdsPort),
    PDS_DEV_MODE: 'true', // plain http and .test handles
    PDS_DATA_DIRECTORY: dataDir,
    PDS_BLOBSTORE_DISK_LOCATION: path.join(dataDir, 'blobs'),
    PDS_DID_PLC_URL: `http://${LOOPBACK}:${plcPort}`,
    PDS_SERVICE_HANDLE_DOMAINS: '.test',
    PDS_INVITE_REQUIRED: 'false',
    PDS_RATE_LIMITS_ENABLED: 'false',
    PDS_CRAWLERS: '',
    PDS_EMAIL_DISABLE_CONFIRMATION_LINK: 'true',
    PDS_JWT_SECRET: hex(16),
    PDS_DPOP_SECRET: hex(32),
    PDS_ADMIN_PASSWORD: hex(16),
    PDS_PLC_ROTATION_KEY_K256_PRIVATE_KEY_HEX: hex(32),
    LOG_ENABLED: 'false',
  }
  for (const [key, value] of Object.entries(defaults)) {
    if (process.env[key] === undefined) process.env[key] = value
  }
  // Standard output is reserved for the one status line, so enabled logs go to standard error.
  if (process.env.LOG_ENABLED === 'true' && process.env.LOG_DESTINATION === undefined) {
    process.env.LOG_DESTINATION = '/dev/stderr'
  }

  // Loaded only now: the logger reads LOG_* from the environment when its module is first required.
  const plcPkg = require('@did-plc/server')
  const pdsPkg = require('@atproto/pds')

  // Each server is kept for stop() only once it listens: destroying one that never started throws.
  const plcServer = plcPkg.PlcServer.create({ db: plcPkg.Database.mock(), port: plcPort })
  await plcServer.start()
  plc = plcServer
  boundTo(plc.server, 'PLC directory')

  const env = pdsPkg.readEnv()
  const pdsServer = await pdsPkg.PDS.create(pdsPkg.envToCfg(env), pdsPkg.envToSecrets(env))
  await pdsServer.start()
  pds = pdsServer
  boundTo(pds.server, 'PDS')

  const pdsVersion = require('@atproto/pds/package.json').version
  process.stdout.write(
    JSON.stringify({
      ready: true,
      pds_url: `http://${LOOPBACK}:${pdsPort}`,
      plc_url: `http://${LOOPBACK}:${plcPort}`,
      public_url: pds.ctx.cfg.service.publicUrl,
      service_did: pds.ctx.cfg.service.did,
      data_dir: dataDir,
      pid: process.pid,
      startup_ms: Number((process.hrtime.bigint() - started) / 1_000_000n),
      versions: { node: process.versions.node, pds: pdsVersion },
    }) + '\n',
  )
}

process.on('SIGTERM', () => stop(0))
process.on('SIGINT', () => stop(0))
if (process.env.PDS_STOP_ON_STDIN_EOF === '1') {
  process.stdin.on('end', () => stop(0))
  process.stdin.on('error', () => stop(0))
  process.stdin.resume()
}

main().catch((err) => {
  process.stdout.write(JSON.stringify({ ready: false, error: String(err?.stack ?? err) }) + '\n')
  stop(1)
})
