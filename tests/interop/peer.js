#!/usr/bin/env node
// npm sm-crypto as an independent SM2/SM3/SM4 peer (the twin of Peer.java).
//
// Thin wrapper: each operation is one sm-crypto call plus hex in/out, so the scripts
// test sm-crypto, not this file. sm-crypto has no SM2 ciphertext DER codec, so the one
// piece of logic here is a small strict DER parser for `sm2-decrypt ... der`.
// peer_env.sh installs sm-crypto into tests/interop/.cache/node_modules.
//
// Usage (all byte strings are hex; "-" or "" is the empty string):
//   node peer.js OP ARGS...   prints the result, exit 0; a rejection (bad signature,
//                             failed decryption) exits 1, a usage error exits 2.
//   require('./peer.js')      { run(args) -> string, Rejected, smCrypto, ... }
// Operations (same tokens as Peer.java):
//   version
//   keygen [XPREFIX]                      -> "D PUB"   (loops until x starts with XPREFIX hex)
//   pub D                                 -> PUB       (130 hex, 04||x||y)
//   sm3 MSG                               -> digest
//   sm4-encrypt ecb|cbc KEY IV|- MSG      -> ciphertext (PKCS#7)
//   sm4-decrypt ecb|cbc KEY IV|- CT       -> plaintext
//   sm2-encrypt PUB c1c3c2|c1c2c3 MSG     -> ciphertext (sm-crypto's form: no 04 prefix)
//   sm2-decrypt D c1c3c2|c1c2c3|der 04|none CT -> plaintext (04: stripped, sm-crypto wants none)
//   sm2-sign D default|IDHEX raw|der MSG  -> signature (doSignature with hash:true)
//   sm2-verify PUB default|IDHEX raw|der SIG MSG -> "true" (exit 1 if rejected)
'use strict'

const path = require('path')

const smcDir = process.env.SM_CRYPTO_DIR || path.join(__dirname, '.cache', 'node_modules', 'sm-crypto')
const smCrypto = require(smcDir)
const { sm2, sm3, sm4 } = smCrypto

class Rejected extends Error {}

// sm-crypto takes byte input as a plain Array of numbers. Strings are read as UTF-8
// (sm2/sm3/sm4 encrypt) or hex (sm4 decrypt), and a Buffer passed to doSignature is
// mangled by its arrayToHex, so always hand it a plain Array.
function bytes (h) {
  if (h === '-' || h === '') return []
  if (!/^([0-9a-fA-F]{2})*$/.test(h)) throw new Error(`not hex: ${h.slice(0, 40)}`)
  return Array.from(Buffer.from(h, 'hex'))
}
function hex (arr) { return Buffer.from(arr).toString('hex') }

function need (a, n) {
  if (a.length !== n) throw new Error(`${a[0]} takes ${n - 1} argument(s), got ${a.length - 1}`)
}

function cipherMode (fmt) {
  if (fmt === 'c1c3c2') return 1 // sm-crypto: 1 = C1C3C2 (its default)
  if (fmt === 'c1c2c3') return 0 //            0 = C1C2C3
  throw new Error('format must be c1c3c2 or c1c2c3 (sm-crypto has no DER form)')
}

// "default" -> leave userId out so sm-crypto uses its own default (1234567812345678).
function userIdOpt (id) {
  return id === 'default' ? {} : { userId: Buffer.from(bytes(id)).toString('utf8') }
}

function sigOpt (enc) {
  if (enc === 'der') return { der: true }
  if (enc === 'raw') return {}
  throw new Error('signature encoding must be raw or der')
}

// GM/T 0009 SM2 ciphertext: SEQUENCE { INTEGER x, INTEGER y, OCTET STRING C3, OCTET STRING C2 }.
// Strict DER: definite minimal lengths, minimal positive INTEGERs, nothing trailing.
// Returns sm-crypto's C1C3C2 hex (no 04 prefix).
function derToC1C3C2 (buf) {
  let pos = 0
  function tlv (tag, end) {
    if (pos + 2 > end || buf[pos] !== tag) throw new Rejected(`DER: expected tag 0x${tag.toString(16)} at ${pos}`)
    pos++
    let len = buf[pos++]
    if (len & 0x80) {
      const n = len & 0x7f
      if (n === 0 || n > 3 || pos + n > end) throw new Rejected('DER: bad length')
      len = 0
      for (let i = 0; i < n; i++) len = len * 256 + buf[pos++]
      if (len < 0x80 || (n > 1 && buf[pos - n] === 0)) throw new Rejected('DER: non-minimal length')
    }
    if (pos + len > end) throw new Rejected('DER: length past end')
    const v = buf.subarray(pos, pos + len)
    pos += len
    return v
  }
  function coord (v) {
    if (v.length === 0 || v[0] & 0x80) throw new Rejected('DER: INTEGER not positive')
    if (v.length > 1 && v[0] === 0 && !(v[1] & 0x80)) throw new Rejected('DER: INTEGER not minimal')
    const b = v[0] === 0 ? v.subarray(1) : v
    if (b.length > 32) throw new Rejected('DER: coordinate longer than 32 bytes')
    return Buffer.concat([Buffer.alloc(32 - b.length), b])
  }
  const seq = tlv(0x30, buf.length)
  if (pos !== buf.length) throw new Rejected('DER: bytes after the SEQUENCE')
  pos = seq.byteOffset - buf.byteOffset
  const end = pos + seq.length
  const x = coord(tlv(0x02, end))
  const y = coord(tlv(0x02, end))
  const c3 = tlv(0x04, end)
  const c2 = tlv(0x04, end)
  if (pos !== end) throw new Rejected('DER: extra elements in the SEQUENCE')
  if (c3.length !== 32) throw new Rejected(`DER: C3 is ${c3.length} bytes, not 32`)
  return Buffer.concat([x, y, c3, c2]).toString('hex')
}

function run (a) {
  switch (a[0]) {
    case 'version': {
      need(a, 1)
      const v = require(path.join(smcDir, 'package.json')).version
      const jsbn = require(require.resolve('jsbn/package.json', { paths: [smcDir] })).version
      return `sm-crypto ${v} (npm; jsbn ${jsbn}; node ${process.versions.node})`
    }
    case 'keygen': {
      const want = (a[1] || '').toLowerCase()
      for (let i = 0; i < 20000; i++) { // ~70 keys/s: a 00 prefix takes ~4 s on average
        const kp = sm2.generateKeyPairHex()
        if (kp.publicKey.startsWith(want, 2)) return `${kp.privateKey} ${kp.publicKey}`
      }
      throw new Error(`no key with x starting with ${want}`)
    }
    case 'pub':
      need(a, 2)
      return sm2.getPublicKeyFromPrivateKey(a[1])
    case 'sm3':
      need(a, 2)
      return sm3(bytes(a[1]))
    case 'sm4-encrypt':
    case 'sm4-decrypt': {
      need(a, 5)
      if (a[1] !== 'ecb' && a[1] !== 'cbc') throw new Error('mode must be ecb or cbc')
      const opt = { output: 'array', padding: 'pkcs#7' }
      if (a[1] === 'cbc') Object.assign(opt, { mode: 'cbc', iv: bytes(a[3]) })
      if (a[0] === 'sm4-encrypt') return hex(sm4.encrypt(bytes(a[4]), bytes(a[2]), opt))
      try {
        return hex(sm4.decrypt(bytes(a[4]), bytes(a[2]), opt))
      } catch (e) {
        throw new Rejected(`SM4 decryption failed: ${e.message}`)
      }
    }
    case 'sm2-encrypt':
      need(a, 4)
      // sm-crypto wants the public key with its 04 (it reads the first byte as the point
      // format); the ciphertext comes back without a 04.
      return sm2.doEncrypt(bytes(a[3]), a[1], cipherMode(a[2]))
    case 'sm2-decrypt': {
      need(a, 5)
      let ct
      let fmt = a[2]
      if (fmt === 'der') {
        ct = derToC1C3C2(Buffer.from(bytes(a[4])))
        fmt = 'c1c3c2'
      } else if (a[3] === '04') {
        if (!/^04/.test(a[4])) throw new Rejected('ciphertext labelled prefix 04 does not start with 04')
        ct = a[4].slice(2) // sm-crypto's doDecrypt does not accept the 04 prefix
      } else if (a[3] === 'none') {
        ct = a[4]
      } else {
        throw new Error('prefix must be 04 or none')
      }
      bytes(ct)
      const c2len = ct.length / 2 - 96
      if (c2len < 1) throw new Rejected('ciphertext too short (sm-crypto cannot tell an empty plaintext from a failure)')
      // sm-crypto signals a failed C3 check by returning [] (or '' with string output).
      const pt = sm2.doDecrypt(ct, a[1], cipherMode(fmt), { output: 'array' })
      if (pt.length !== c2len) throw new Rejected('SM2 decryption failed (sm-crypto returned nothing: C3 mismatch or bad C1)')
      return hex(pt)
    }
    case 'sm2-sign':
      need(a, 5)
      // hash:true is essential in 0.3.x: without it e is the message itself, not SM3(Z||M).
      return sm2.doSignature(bytes(a[4]), a[1], { hash: true, ...sigOpt(a[3]), ...userIdOpt(a[2]) })
    case 'sm2-verify': {
      need(a, 6)
      // doVerifySignature reads r = sig[0..64), s = sig[64..) without a length check.
      if (a[3] === 'raw' && !/^[0-9a-fA-F]{128}$/.test(a[4])) throw new Rejected('raw signature is not 128 hex')
      const ok = sm2.doVerifySignature(bytes(a[5]), a[4], a[1], { hash: true, ...sigOpt(a[3]), ...userIdOpt(a[2]) })
      if (!ok) throw new Rejected('signature rejected')
      return 'true'
    }
    default:
      throw new Error(`unknown operation ${a[0]}`)
  }
}

module.exports = { run, Rejected, smCrypto, bytes, hex, derToC1C3C2 }

if (require.main === module) {
  try {
    console.log(run(process.argv.slice(2)))
  } catch (e) {
    console.error(`sm-crypto: ${e.message}`)
    process.exit(e instanceof Rejected ? 1 : 2)
  }
}
