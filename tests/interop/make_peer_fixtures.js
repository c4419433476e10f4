#!/usr/bin/env node
// Builds peers/sm_crypto.json and peers/bouncycastle.json (run it through
// make_peer_fixtures.sh, which installs the peers first).
//
// Every value in sm_crypto.json is produced by sm-crypto (peer.js) and checked by
// BouncyCastle (Peer.java); every value in bouncycastle.json is produced by
// BouncyCastle and checked by sm-crypto. DER entries are also checked by OpenSSL.
// Each entry's cross_check says what was checked. If anything fails, nothing is
// written and the exit code is 1.
//
// Usage: node make_peer_fixtures.js --classpath CP --out DIR [--bc-tool TEXT]
'use strict'

const fs = require('fs')
const os = require('os')
const path = require('path')
const crypto = require('crypto')
const { execFileSync } = require('child_process')
const peer = require('./peer.js')

const opt = {}
for (let i = 2; i < process.argv.length; i += 2) opt[process.argv[i].replace(/^--/, '')] = process.argv[i + 1]
if (!opt.classpath || !opt.out) {
  console.error('usage: make_peer_fixtures.js --classpath CP --out DIR [--bc-tool TEXT]')
  process.exit(2)
}

// ---------------------------------------------------------------- the two peers

// sm-crypto, in process. Returns {ok, val} so that rejections can be expected.
function smc (...args) {
  try {
    return { ok: true, val: peer.run(args) }
  } catch (e) {
    if (e instanceof peer.Rejected) return { ok: false, val: e.message }
    throw e
  }
}

// BouncyCastle: one JVM per batch ("serve" answers one line per request, in order).
function bcBatch (requests) {
  if (requests.length === 0) return []
  const out = execFileSync('java', ['-cp', opt.classpath, 'Peer', 'serve'], {
    input: requests.map((r) => r.join(' ')).join('\n') + '\n',
    maxBuffer: 64 << 20
  }).toString().split('\n').filter((l) => l !== '')
  if (out.length !== requests.length) throw new Error(`BC answered ${out.length} of ${requests.length} requests`)
  return out.map((l) => {
    const sp = l.indexOf(' ')
    return { ok: l.slice(0, sp) === 'ok', val: l.slice(sp + 1) }
  })
}

// BC requests are queued with a callback and run together (JVM start-up is slow).
let queue = []
function bc (args, then) { queue.push({ args, then }) }
function flushBc () {
  const q = queue
  queue = []
  bcBatch(q.map((r) => r.args)).forEach((res, i) => q[i].then(res))
}

// OpenSSL, used for DER entries only (pkeyutl speaks SM2 DER only).
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'peerfix-'))
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }))
function tmpFile (name, hexData) {
  const f = path.join(tmp, name)
  fs.writeFileSync(f, Buffer.from(hexData, 'hex'))
  return f
}
const PKCS8_HEAD = '308187020100301306072a8648ce3d020106082a811ccf5501822d046d306b0201010420'
const SPKI_HEAD = '3059301306072a8648ce3d020106082a811ccf5501822d034200'
function opensslDecrypt (privHex, pubHex, derHex) {
  const key = tmpFile('k.der', PKCS8_HEAD + privHex + 'a144034200' + pubHex)
  const ct = tmpFile('c.der', derHex)
  try {
    return execFileSync('openssl', ['pkeyutl', '-decrypt', '-keyform', 'DER', '-inkey', key, '-in', ct],
      { stdio: ['ignore', 'pipe', 'pipe'] }).toString('hex')
  } catch (e) {
    return null
  }
}
function opensslVerify (pubHex, userId, msgHex, sigDerHex) {
  const key = tmpFile('p.der', SPKI_HEAD + pubHex)
  const sig = tmpFile('s.der', sigDerHex)
  const msg = tmpFile('m.bin', msgHex)
  try {
    execFileSync('openssl', ['pkeyutl', '-verify', '-pubin', '-keyform', 'DER', '-inkey', key, '-rawin',
      '-digest', 'sm3', '-pkeyopt', `distid:${userId}`, '-sigfile', sig, '-in', msg], { stdio: 'ignore' })
    return true
  } catch (e) {
    return false
  }
}

// ---------------------------------------------------------------- bookkeeping

let checks = 0
const failures = []
// Records one check; `ok` must be strictly true.
function expect (id, what, ok, detail) {
  checks++
  if (ok !== true) failures.push(`${id}: ${what}${detail ? ` (${detail})` : ''}`)
}

const hexOf = (s) => Buffer.from(s, 'utf8').toString('hex')
const b64 = (h) => Buffer.from(h, 'hex').toString('base64')
// *_utf8 appears when the bytes are valid UTF-8 (README convention).
function utf8Field (name, h) {
  try {
    return { [name]: new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(h, 'hex')) }
  } catch (e) {
    return {}
  }
}

// ---------------------------------------------------------------- inputs

const DEFAULT_ID = '1234567812345678'
const CUSTOM_ID = 'baohan-fi-0001'
const idToken = (id) => (id === DEFAULT_ID ? 'default' : hexOf(id)) // "default": the tool's own default
const otherId = (id) => (id === DEFAULT_ID ? CUSTOM_ID : DEFAULT_ID)
const CN_JSON = '{"applicationId":"AP1","supplier":"福建某某公司","performanceBou":"12345.60"}'

// 300 bytes of text (several KDF blocks) and 16 random bytes (an SM4 key, as in digital envelopes).
const M300 = 'baohan SM2 interop message, 300 bytes, several KDF blocks. '.repeat(6).slice(0, 300)
const MESSAGES = {
  m_abc: hexOf('abc'),
  m_cnjson: hexOf(CN_JSON),
  m_300: hexOf(M300),
  m_raw16: crypto.randomBytes(16).toString('hex')
}
const SIGN_MESSAGES = { abc: hexOf('abc'), cnjson: hexOf(CN_JSON), empty: '', m_300: hexOf(M300) }
const SM3_MESSAGES = {
  abc: hexOf('abc'),
  empty: '',
  chinese: hexOf('国密杂凑算法 SM3，福建省财政厅接口测试'),
  bytes_1000: Buffer.from(Array.from({ length: 1000 }, (_, i) => i & 0xff)).toString('hex')
}
const SM3_KNOWN = { // GB/T 32905 example and the well-known empty-message digest
  abc: '66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0',
  empty: '1ab21d8355cfa17f8e61194831e81a8f22bec8c728fefb747ed035eb5082aa2b'
}
const SM4_KAT = { key: '0123456789abcdeffedcba9876543210', block: '681edf34d206965e86b3e94f536e4246' } // GB/T 32907
const SM4_CASES = [
  { name: 'ecb-exact16', mode: 'ecb', key: SM4_KAT.key, pt: SM4_KAT.key },
  { name: 'ecb-cnjson', mode: 'ecb', key: crypto.randomBytes(16).toString('hex'), pt: hexOf(CN_JSON) },
  { name: 'ecb-empty', mode: 'ecb', key: crypto.randomBytes(16).toString('hex'), pt: '' },
  { name: 'cbc-exact16', mode: 'cbc', key: SM4_KAT.key, iv: crypto.randomBytes(16).toString('hex'), pt: SM4_KAT.key },
  { name: 'cbc-cnjson', mode: 'cbc', key: crypto.randomBytes(16).toString('hex'), iv: crypto.randomBytes(16).toString('hex'), pt: hexOf(CN_JSON) },
  { name: 'cbc-empty', mode: 'cbc', key: crypto.randomBytes(16).toString('hex'), iv: crypto.randomBytes(16).toString('hex'), pt: '' }
]
// Key names -> x prefix wanted ("" = any). x starting with 00 / hex 4 trips naive
// strip-the-04 code and non-padded coordinate handling.
const KEY_SPECS = [['k1', ''], ['k2', ''], ['k_x00', '00'], ['k_x4', '4']]

// ---------------------------------------------------------------- sm-crypto -> checked by BC

function buildSmCrypto () {
  const doc = {
    about: 'SM2/SM3/SM4 values produced by npm sm-crypto and checked by BouncyCastle (see README.md). ' +
      'Conventions as in shared/interop/README.md.',
    tool: smc('version').val,
    checked_by: bcBatch([['version']])[0].val,
    keys: [],
    sm3: [],
    sm4: [],
    sm2_encrypt: [],
    sm2_sign: []
  }
  const keys = {}
  for (const [name, want] of KEY_SPECS) {
    const [d, pub] = smc('keygen', want).val.split(' ')
    keys[name] = { d, pub }
    const e = { name, private_hex: d, public_hex: pub, producer: 'sm2.generateKeyPairHex()' }
    e.cross_check = 'BouncyCastle computes d·G = public_hex'
    bc(['pub', d], (r) => expect(name, 'BC d·G', r.ok && r.val === pub, r.val))
    doc.keys.push(e)
  }

  for (const [name, m] of Object.entries(SM3_MESSAGES)) {
    const h = smc('sm3', m).val
    const e = { name, message_hex: m, ...utf8Field('message_utf8', m), sm3_hex: h, producer: 'sm3(bytes)' }
    e.cross_check = 'BouncyCastle SM3Digest gives the same digest'
    if (SM3_KNOWN[name]) {
      e.cross_check += '; equals the published value'
      expect(name, 'published value', h === SM3_KNOWN[name], h)
    }
    bc(['sm3', m || '-'], (r) => expect(name, 'BC SM3', r.ok && r.val === h, r.val))
    doc.sm3.push(e)
  }

  for (const c of SM4_CASES) {
    const iv = c.iv || '-'
    const ct = smc('sm4-encrypt', c.mode, c.key, iv, c.pt || '-').val
    const e = { name: c.name, mode: c.mode, key_hex: c.key, ...(c.iv ? { iv_hex: c.iv } : {}), plaintext_hex: c.pt, ...utf8Field('plaintext_utf8', c.pt), ciphertext_hex: ct }
    e.producer = `sm4.encrypt(bytes, key, {${c.mode === 'cbc' ? "mode: 'cbc', iv, " : ''}padding: 'pkcs#7'})`
    e.cross_check = 'BouncyCastle SM4Engine with PKCS7Padding gives the same ciphertext and decrypts it back'
    if (c.name === 'ecb-exact16') {
      e.cross_check += '; the first block equals the GB/T 32907 example'
      expect(c.name, 'GB/T 32907 block', ct.startsWith(SM4_KAT.block), ct)
    }
    bc(['sm4-encrypt', c.mode, c.key, iv, c.pt || '-'], (r) => expect(c.name, 'BC SM4 encrypt', r.ok && r.val === ct, r.val))
    bc(['sm4-decrypt', c.mode, c.key, iv, ct], (r) => expect(c.name, 'BC SM4 decrypt', r.ok && r.val === c.pt, r.val))
    doc.sm4.push(e)
  }

  const encCases = []
  for (const m of Object.keys(MESSAGES)) for (const f of ['c1c3c2', 'c1c2c3']) encCases.push(['k1', m, f])
  encCases.push(['k_x00', 'm_abc', 'c1c3c2'], ['k_x4', 'm_cnjson', 'c1c3c2'])
  for (const [k, m, f] of encCases) {
    const { d, pub } = keys[k]
    const pt = MESSAGES[m]
    const ct = smc('sm2-encrypt', pub, f, pt).val
    const id = `smc-${f}-${k}-${m}`
    const e = {
      id, producer: `sm2.doEncrypt(bytes, public_hex, cipherMode=${f === 'c1c3c2' ? 1 : 0})`, key: k, private_hex: d, public_hex: pub,
      plaintext_hex: pt, ...utf8Field('plaintext_utf8', pt), format: f, prefix_04: false, ciphertext_hex: ct, ciphertext_base64: b64(ct)
    }
    const other = f === 'c1c3c2' ? 'c1c2c3' : 'c1c3c2'
    e.cross_check = `BouncyCastle SM2Engine(Mode.${f.toUpperCase()}) decrypts it (with 04 prepended) to the plaintext; Mode.${other.toUpperCase()} rejects it (C3 check)`
    expect(id, 'length 96+len(M)', ct.length === 2 * (96 + pt.length / 2))
    bc(['sm2-decrypt', d, f, 'none', ct], (r) => expect(id, 'BC decrypt', r.ok && r.val === pt, r.val))
    bc(['sm2-decrypt', d, other, 'none', ct], (r) => expect(id, 'BC rejects the other order', !r.ok, r.val))
    doc.sm2_encrypt.push(e)
  }

  const signCases = []
  for (const m of Object.keys(SIGN_MESSAGES)) signCases.push(['k1', m, 'raw', DEFAULT_ID])
  signCases.push(['k1', 'abc', 'der', DEFAULT_ID], ['k1', 'cnjson', 'der', DEFAULT_ID])
  signCases.push(['k1', 'abc', 'raw', CUSTOM_ID], ['k1', 'cnjson', 'der', CUSTOM_ID])
  signCases.push(['k_x00', 'abc', 'raw', DEFAULT_ID])
  for (const [k, m, enc, uid] of signCases) {
    const { d, pub } = keys[k]
    const msg = SIGN_MESSAGES[m]
    const sig = smc('sm2-sign', d, idToken(uid), enc, msg || '-').val
    const id = `smc-${enc}-${k}-${m}${uid === DEFAULT_ID ? '' : '-id_' + uid}`
    const optText = ['hash: true', ...(enc === 'der' ? ['der: true'] : []), ...(uid === DEFAULT_ID ? [] : [`userId: '${uid}'`])].join(', ')
    const e = {
      id, producer: `sm2.doSignature(bytes, private_hex, {${optText}})`, key: k, public_hex: pub, private_hex: d,
      message_hex: msg, ...utf8Field('message_utf8', msg), user_id: uid,
      [enc === 'raw' ? 'signature_raw_hex' : 'signature_der_hex']: sig
    }
    e.cross_check = `BouncyCastle SM2Signer (${enc === 'raw' ? 'PlainDSAEncoding' : 'StandardDSAEncoding'}, ` +
      `${uid === DEFAULT_ID ? 'its default ID' : 'ParametersWithID'}) verifies it; it rejects it with the ID ${otherId(uid)}`
    if (enc === 'der') {
      e.cross_check += `; openssl pkeyutl -verify -rawin -digest sm3 -pkeyopt distid:${uid} accepts it`
      expect(id, 'OpenSSL verify', opensslVerify(pub, uid, msg, sig))
    } else {
      expect(id, 'raw is 128 hex', /^[0-9a-f]{128}$/.test(sig), sig)
    }
    bc(['sm2-verify', pub, idToken(uid), enc, sig, msg || '-'], (r) => expect(id, 'BC verify', r.ok && r.val === 'true', r.val))
    bc(['sm2-verify', pub, idToken(otherId(uid)), enc, sig, msg || '-'], (r) => expect(id, 'BC rejects the other ID', !r.ok, r.val))
    doc.sm2_sign.push(e)
  }
  flushBc()
  return doc
}

// ---------------------------------------------------------------- BC -> checked by sm-crypto

function buildBouncyCastle (toolText) {
  const doc = {
    about: 'SM2/SM3/SM4 values produced by BouncyCastle and checked by npm sm-crypto (see README.md). ' +
      'Conventions as in shared/interop/README.md.',
    tool: toolText,
    checked_by: smc('version').val,
    keys: [],
    sm3: [],
    sm4: [],
    sm2_encrypt: [],
    sm2_sign: []
  }
  const keys = {}
  for (const [name, want] of KEY_SPECS) {
    bc(want ? ['keygen', want] : ['keygen'], (r) => {
      if (!r.ok) throw new Error(`BC keygen: ${r.val}`)
      const [d, pub] = r.val.split(' ')
      keys[name] = { d, pub }
    })
  }
  flushBc()
  for (const [name] of KEY_SPECS) {
    const { d, pub } = keys[name]
    const pubSmc = smc('pub', d).val
    expect(name, 'sm-crypto d·G', pubSmc === pub, pubSmc)
    expect(name, 'sm-crypto verifyPublicKey', peer.smCrypto.sm2.verifyPublicKey(pub))
    doc.keys.push({
      name, private_hex: d, public_hex: pub, producer: 'ECKeyPairGenerator(sm2p256v1)',
      cross_check: 'sm-crypto getPublicKeyFromPrivateKey(d) = public_hex; verifyPublicKey: on the curve'
    })
  }

  for (const [name, m] of Object.entries(SM3_MESSAGES)) {
    bc(['sm3', m || '-'], (r) => {
      const h = r.val
      const e = { name, message_hex: m, ...utf8Field('message_utf8', m), sm3_hex: h, producer: 'SM3Digest' }
      e.cross_check = 'sm-crypto sm3 gives the same digest'
      expect(name, 'sm-crypto SM3', r.ok && smc('sm3', m).val === h, h)
      if (SM3_KNOWN[name]) {
        e.cross_check += '; equals the published value'
        expect(name, 'published value', h === SM3_KNOWN[name], h)
      }
      doc.sm3.push(e)
    })
  }

  for (const c of SM4_CASES) {
    const iv = c.iv || '-'
    bc(['sm4-encrypt', c.mode, c.key, iv, c.pt || '-'], (r) => {
      const ct = r.val
      const e = { name: c.name, mode: c.mode, key_hex: c.key, ...(c.iv ? { iv_hex: c.iv } : {}), plaintext_hex: c.pt, ...utf8Field('plaintext_utf8', c.pt), ciphertext_hex: ct }
      e.producer = `PaddedBufferedBlockCipher(${c.mode === 'cbc' ? 'CBCBlockCipher(SM4Engine)' : 'SM4Engine'}, PKCS7Padding)`
      e.cross_check = 'sm-crypto sm4.encrypt gives the same ciphertext and sm4.decrypt gives the plaintext back'
      expect(c.name, 'sm-crypto SM4 encrypt', r.ok && smc('sm4-encrypt', c.mode, c.key, iv, c.pt || '-').val === ct, ct)
      const back = smc('sm4-decrypt', c.mode, c.key, iv, ct)
      expect(c.name, 'sm-crypto SM4 decrypt', back.ok && back.val === c.pt, back.val)
      if (c.name === 'ecb-exact16') {
        e.cross_check += '; the first block equals the GB/T 32907 example'
        expect(c.name, 'GB/T 32907 block', ct.startsWith(SM4_KAT.block), ct)
      }
      doc.sm4.push(e)
    })
  }

  const encCases = []
  for (const m of Object.keys(MESSAGES)) for (const f of ['c1c3c2', 'c1c2c3', 'der']) encCases.push(['k1', m, f])
  encCases.push(['k_x00', 'm_abc', 'c1c3c2'], ['k_x00', 'm_abc', 'der'], ['k_x4', 'm_cnjson', 'c1c3c2'])
  for (const [k, m, f] of encCases) {
    const { d, pub } = keys[k]
    const pt = MESSAGES[m]
    bc(['sm2-encrypt', pub, f, pt], (r) => {
      if (!r.ok) throw new Error(`BC encrypt: ${r.val}`)
      const ct = r.val
      const der = f === 'der'
      const id = der ? `bc-der-${k}-${m}` : `bc-${f}+04-${k}-${m}`
      const e = {
        id,
        producer: der
          ? 'SM2Engine(Mode.C1C3C2) output re-encoded with BC ASN.1 classes (DERSequence of ASN1Integer x, ASN1Integer y, DEROctetString C3, DEROctetString C2)'
          : `SM2Engine(new SM3Digest(), Mode.${f.toUpperCase()})`,
        key: k, private_hex: d, public_hex: pub, plaintext_hex: pt, ...utf8Field('plaintext_utf8', pt),
        format: f, prefix_04: !der, ciphertext_hex: ct, ciphertext_base64: b64(ct)
      }
      if (der) {
        const viaSmc = smc('sm2-decrypt', d, 'der', '-', ct)
        expect(id, 'sm-crypto decrypt of DER', viaSmc.ok && viaSmc.val === pt, viaSmc.val)
        expect(id, 'OpenSSL decrypt', opensslDecrypt(d, pub, ct) === pt)
        e.cross_check = 'openssl pkeyutl -decrypt gives the plaintext; sm-crypto doDecrypt(cipherMode=1) of the DER fields (parsed by peer.js, strict DER) gives the plaintext'
      } else {
        const other = f === 'c1c3c2' ? 'c1c2c3' : 'c1c3c2'
        expect(id, 'length 97+len(M), starts with 04', ct.length === 2 * (97 + pt.length / 2) && ct.startsWith('04'))
        const ok = smc('sm2-decrypt', d, f, '04', ct)
        expect(id, 'sm-crypto decrypt', ok.ok && ok.val === pt, ok.val)
        const bad = smc('sm2-decrypt', d, other, '04', ct)
        expect(id, 'sm-crypto rejects the other order', !bad.ok, bad.val)
        e.cross_check = `sm-crypto doDecrypt(cipherMode=${f === 'c1c3c2' ? 1 : 0}) of the bytes after the 04 gives the plaintext; cipherMode=${f === 'c1c3c2' ? 0 : 1} fails its C3 check`
      }
      doc.sm2_encrypt.push(e)
    })
  }

  const signCases = []
  for (const m of Object.keys(SIGN_MESSAGES)) signCases.push(['k1', m, DEFAULT_ID])
  signCases.push(['k1', 'abc', CUSTOM_ID], ['k1', 'cnjson', CUSTOM_ID], ['k_x00', 'abc', DEFAULT_ID])
  const signed = []
  for (const [k, m, uid] of signCases) {
    const { d } = keys[k]
    const msg = SIGN_MESSAGES[m]
    bc(['sm2-sign', d, idToken(uid), 'der', msg || '-'], (r) => {
      if (!r.ok) throw new Error(`BC sign: ${r.val}`)
      signed.push({ k, m, uid, msg, der: r.val })
    })
  }
  flushBc()
  for (const s of signed) bc(['sig-der2raw', s.der], (r) => { s.raw = r.val })
  flushBc()
  for (const { k, m, uid, msg, der, raw } of signed) {
    const { pub } = keys[k]
    const id = `bc-${k}-${m}${uid === DEFAULT_ID ? '' : '-id_' + uid}`
    const t = idToken(uid)
    for (const [enc, sig] of [['der', der], ['raw', raw]]) {
      const v = smc('sm2-verify', pub, t, enc, sig, msg || '-')
      expect(id, `sm-crypto verify ${enc}`, v.ok, v.val)
      const w = smc('sm2-verify', pub, idToken(otherId(uid)), enc, sig, msg || '-')
      expect(id, `sm-crypto rejects ${enc} with the other ID`, !w.ok, w.val)
    }
    expect(id, 'OpenSSL verify', opensslVerify(pub, uid, msg, der))
    doc.sm2_sign.push({
      id,
      producer: `SM2Signer (StandardDSAEncoding, ${uid === DEFAULT_ID ? 'no ParametersWithID: BC default ID' : `ParametersWithID("${uid}")`}); raw r‖s from PlainDSAEncoding`,
      key: k, public_hex: pub, private_hex: keys[k].d, message_hex: msg, ...utf8Field('message_utf8', msg), user_id: uid,
      signature_raw_hex: raw, signature_der_hex: der,
      cross_check: `sm-crypto doVerifySignature(hash: true${uid === DEFAULT_ID ? '' : `, userId: '${uid}'`}) accepts both forms (der: true for DER) ` +
        `and rejects them with the ID ${otherId(uid)}; openssl pkeyutl -verify -rawin -digest sm3 -pkeyopt distid:${uid} accepts the DER form`
    })
  }
  flushBc()
  return doc
}

// ---------------------------------------------------------------- main

const smcDoc = buildSmCrypto()
const bcDoc = buildBouncyCastle(opt['bc-tool'] || bcBatch([['version']])[0].val)
if (failures.length) {
  console.error(`${failures.length} of ${checks} cross-checks FAILED; nothing written:`)
  for (const f of failures) console.error(`  ${f}`)
  process.exit(1)
}
fs.mkdirSync(opt.out, { recursive: true })
fs.writeFileSync(path.join(opt.out, 'sm_crypto.json'), JSON.stringify(smcDoc, null, 2) + '\n')
fs.writeFileSync(path.join(opt.out, 'bouncycastle.json'), JSON.stringify(bcDoc, null, 2) + '\n')
console.log(`${checks} cross-checks passed`)
