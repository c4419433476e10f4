// BouncyCastle (bcprov, Debian libbcprov-java) as an independent SM2/SM3/SM4 peer.
//
// Thin wrapper: every operation is one BouncyCastle call plus hex in/out, so that
// make_peer_fixtures.sh and peers_accept_ours.sh test BouncyCastle, not this file.
// Compiled by peer_env.sh into tests/interop/.cache/classes.
//
// Usage (all byte strings are hex; "-" or "" is the empty string):
//   java Peer OP ARGS...      one operation; prints the result, exit 0.
//                             A rejection (bad signature, failed decryption) exits 1.
//   java Peer serve           one operation per stdin line (space-separated tokens);
//                             answers "ok RESULT" or "err MESSAGE" per line, in order.
// Operations:
//   version
//   keygen [XPREFIX]                      -> "D PUB"   (loops until x starts with XPREFIX hex)
//   pub D                                 -> PUB       (130 hex, 04||x||y)
//   sm3 MSG                               -> digest
//   sm4-encrypt ecb|cbc KEY IV|- MSG      -> ciphertext (PKCS#7)
//   sm4-decrypt ecb|cbc KEY IV|- CT       -> plaintext
//   sm2-encrypt PUB c1c3c2|c1c2c3|der MSG -> ciphertext (raw forms carry BC's 04 prefix)
//   sm2-decrypt D c1c3c2|c1c2c3|der 04|none CT -> plaintext
//                                         (none: 04 is prepended, BC needs it)
//   sm2-sign D default|IDHEX raw|der MSG  -> signature  ("default": no ParametersWithID)
//   sm2-verify PUB default|IDHEX raw|der SIG MSG -> "true" (exit 1 if rejected)
//   sig-der2raw DER                       -> r||s (128 hex)

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;

import org.bouncycastle.asn1.ASN1EncodableVector;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.ASN1Sequence;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.gm.GMNamedCurves;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.crypto.AsymmetricCipherKeyPair;
import org.bouncycastle.crypto.BufferedBlockCipher;
import org.bouncycastle.crypto.CipherParameters;
import org.bouncycastle.crypto.digests.SM3Digest;
import org.bouncycastle.crypto.engines.SM2Engine;
import org.bouncycastle.crypto.engines.SM4Engine;
import org.bouncycastle.crypto.generators.ECKeyPairGenerator;
import org.bouncycastle.crypto.modes.CBCBlockCipher;
import org.bouncycastle.crypto.paddings.PKCS7Padding;
import org.bouncycastle.crypto.paddings.PaddedBufferedBlockCipher;
import org.bouncycastle.crypto.params.ECDomainParameters;
import org.bouncycastle.crypto.params.ECKeyGenerationParameters;
import org.bouncycastle.crypto.params.ECPrivateKeyParameters;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.bouncycastle.crypto.params.KeyParameter;
import org.bouncycastle.crypto.params.ParametersWithID;
import org.bouncycastle.crypto.params.ParametersWithIV;
import org.bouncycastle.crypto.params.ParametersWithRandom;
import org.bouncycastle.crypto.signers.PlainDSAEncoding;
import org.bouncycastle.crypto.signers.SM2Signer;
import org.bouncycastle.crypto.signers.StandardDSAEncoding;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.math.ec.ECPoint;
import org.bouncycastle.util.encoders.Hex;

public final class Peer {
    static final X9ECParameters X9 = GMNamedCurves.getByName("sm2p256v1");
    static final ECDomainParameters DOM =
            new ECDomainParameters(X9.getCurve(), X9.getG(), X9.getN(), X9.getH());
    static final SecureRandom RNG = new SecureRandom();

    /** A clean "no": signature rejected, decryption failed. Exit code 1. */
    static final class Rejected extends Exception {
        Rejected(String m) { super(m); }
    }

    public static void main(String[] args) throws Exception {
        PrintStream out = new PrintStream(System.out, true, "UTF-8");
        if (args.length == 1 && args[0].equals("serve")) {
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            for (String line; (line = in.readLine()) != null; ) {
                if (line.isBlank()) continue;
                try {
                    out.println("ok " + run(line.trim().split(" +")));
                } catch (Exception e) {
                    out.println("err " + describe(e));
                }
            }
            return;
        }
        try {
            out.println(run(args));
        } catch (Rejected e) {
            System.err.println("bouncycastle: " + e.getMessage());
            System.exit(1);
        } catch (Exception e) {
            System.err.println("bouncycastle: " + describe(e));
            System.exit(2);
        }
    }

    static String describe(Exception e) {
        return (e.getClass().getSimpleName() + ": " + e.getMessage()).replace('\n', ' ');
    }

    static String run(String[] a) throws Exception {
        if (a.length == 0) throw new IllegalArgumentException("no operation");
        switch (a[0]) {
            case "version": {
                need(a, 1);
                return "bcprov " + new BouncyCastleProvider().getVersionStr()
                        + ", Java " + System.getProperty("java.version");
            }
            case "keygen": {
                String want = a.length > 1 ? a[1].toLowerCase() : "";
                for (int tries = 0; tries < 200000; tries++) {
                    ECKeyPairGenerator g = new ECKeyPairGenerator();
                    g.init(new ECKeyGenerationParameters(DOM, RNG));
                    AsymmetricCipherKeyPair kp = g.generateKeyPair();
                    BigInteger d = ((ECPrivateKeyParameters) kp.getPrivate()).getD();
                    String pub = hex(((ECPublicKeyParameters) kp.getPublic()).getQ().getEncoded(false));
                    if (pub.startsWith(want, 2)) return fixed(d) + " " + pub;
                }
                throw new IllegalStateException("no key with x starting with " + want);
            }
            case "pub": {
                need(a, 2);
                return hex(DOM.getG().multiply(new BigInteger(a[1], 16)).normalize().getEncoded(false));
            }
            case "sm3": {
                need(a, 2);
                SM3Digest dg = new SM3Digest();
                byte[] m = bytes(a[1]);
                dg.update(m, 0, m.length);
                byte[] h = new byte[dg.getDigestSize()];
                dg.doFinal(h, 0);
                return hex(h);
            }
            case "sm4-encrypt":
            case "sm4-decrypt": {
                need(a, 5);
                boolean enc = a[0].equals("sm4-encrypt");
                BufferedBlockCipher c;
                CipherParameters kp = new KeyParameter(bytes(a[2]));
                if (a[1].equals("cbc")) {
                    c = new PaddedBufferedBlockCipher(new CBCBlockCipher(new SM4Engine()), new PKCS7Padding());
                    kp = new ParametersWithIV(kp, bytes(a[3]));
                } else if (a[1].equals("ecb")) {
                    c = new PaddedBufferedBlockCipher(new SM4Engine(), new PKCS7Padding());
                } else {
                    throw new IllegalArgumentException("mode must be ecb or cbc");
                }
                c.init(enc, kp);
                byte[] in = bytes(a[4]);
                byte[] o = new byte[c.getOutputSize(in.length)];
                int n = c.processBytes(in, 0, in.length, o, 0);
                try {
                    n += c.doFinal(o, n);
                } catch (org.bouncycastle.crypto.InvalidCipherTextException e) {
                    throw new Rejected("SM4 decryption failed: " + e.getMessage());
                }
                return hex(Arrays.copyOf(o, n));
            }
            case "sm2-encrypt": {
                need(a, 4);
                ECPublicKeyParameters pk = new ECPublicKeyParameters(DOM.getCurve().decodePoint(bytes(a[1])), DOM);
                boolean der = a[2].equals("der");
                SM2Engine e = new SM2Engine(new SM3Digest(), mode(der ? "c1c3c2" : a[2]));
                e.init(true, new ParametersWithRandom(pk, RNG));
                byte[] m = bytes(a[3]);
                byte[] ct = e.processBlock(m, 0, m.length);
                return hex(der ? rawC1C3C2ToDer(ct) : ct);
            }
            case "sm2-decrypt": {
                need(a, 5);
                ECPrivateKeyParameters sk = new ECPrivateKeyParameters(new BigInteger(a[1], 16), DOM);
                byte[] ct = bytes(a[4]);
                boolean der = a[2].equals("der");
                if (der) {
                    ct = derToRawC1C3C2(ct);
                } else if (a[3].equals("none")) {
                    ct = concat(new byte[] {4}, ct); // BC decodes C1 as an encoded point: it needs the 04
                } else if (!a[3].equals("04")) {
                    throw new IllegalArgumentException("prefix must be 04 or none");
                } else if (ct.length == 0 || ct[0] != 4) {
                    throw new Rejected("ciphertext labelled prefix 04 does not start with 04");
                }
                SM2Engine e = new SM2Engine(new SM3Digest(), mode(der ? "c1c3c2" : a[2]));
                e.init(false, sk);
                try {
                    return hex(e.processBlock(ct, 0, ct.length));
                } catch (org.bouncycastle.crypto.InvalidCipherTextException | IllegalArgumentException ex) {
                    // IllegalArgumentException: C1 is not a valid point encoding / not on the curve.
                    throw new Rejected("SM2 decryption failed: " + ex.getMessage());
                }
            }
            case "sm2-sign": {
                need(a, 5);
                ECPrivateKeyParameters sk = new ECPrivateKeyParameters(new BigInteger(a[1], 16), DOM);
                SM2Signer s = signer(a[3]);
                s.init(true, withId(new ParametersWithRandom(sk, RNG), a[2]));
                byte[] m = bytes(a[4]);
                s.update(m, 0, m.length);
                return hex(s.generateSignature());
            }
            case "sm2-verify": {
                need(a, 6);
                ECPublicKeyParameters pk = new ECPublicKeyParameters(DOM.getCurve().decodePoint(bytes(a[1])), DOM);
                SM2Signer s = signer(a[3]);
                s.init(false, withId(pk, a[2]));
                byte[] m = bytes(a[5]);
                s.update(m, 0, m.length);
                byte[] sig = bytes(a[4]);
                if (a[3].equals("raw") && sig.length != 64) throw new Rejected("raw signature is not 64 bytes");
                if (!s.verifySignature(sig)) throw new Rejected("signature rejected");
                return "true";
            }
            case "sig-der2raw": {
                need(a, 2);
                BigInteger[] rs = StandardDSAEncoding.INSTANCE.decode(DOM.getN(), bytes(a[1]));
                return hex(PlainDSAEncoding.INSTANCE.encode(DOM.getN(), rs[0], rs[1]));
            }
            default:
                throw new IllegalArgumentException("unknown operation " + a[0]);
        }
    }

    static SM2Engine.Mode mode(String f) {
        switch (f) {
            case "c1c3c2": return SM2Engine.Mode.C1C3C2;
            case "c1c2c3": return SM2Engine.Mode.C1C2C3;
            default: throw new IllegalArgumentException("format must be c1c3c2, c1c2c3 or der");
        }
    }

    /** raw = StandardDSAEncoding (DER, BC's default); raw = PlainDSAEncoding (r||s). */
    static SM2Signer signer(String enc) {
        switch (enc) {
            case "der": return new SM2Signer(StandardDSAEncoding.INSTANCE, new SM3Digest());
            case "raw": return new SM2Signer(PlainDSAEncoding.INSTANCE, new SM3Digest());
            default: throw new IllegalArgumentException("signature encoding must be raw or der");
        }
    }

    /** "default" leaves the ID to SM2Signer's built-in default (not passed explicitly). */
    static CipherParameters withId(CipherParameters p, String id) {
        return id.equals("default") ? p : new ParametersWithID(p, bytes(id));
    }

    /** GM/T 0009: SEQUENCE { INTEGER x, INTEGER y, OCTET STRING C3, OCTET STRING C2 }, built with BC's ASN.1 classes. */
    static byte[] rawC1C3C2ToDer(byte[] ct) throws Exception {
        // ct = 04 || x(32) || y(32) || C3(32) || C2
        ASN1EncodableVector v = new ASN1EncodableVector();
        v.add(new ASN1Integer(new BigInteger(1, Arrays.copyOfRange(ct, 1, 33))));
        v.add(new ASN1Integer(new BigInteger(1, Arrays.copyOfRange(ct, 33, 65))));
        v.add(new DEROctetString(Arrays.copyOfRange(ct, 65, 97)));
        v.add(new DEROctetString(Arrays.copyOfRange(ct, 97, ct.length)));
        return new DERSequence(v).getEncoded(ASN1Encoding.DER);
    }

    /** Parses with BC's ASN.1 classes and insists on canonical DER (re-encoding must give the same bytes). */
    static byte[] derToRawC1C3C2(byte[] der) throws Exception {
        ASN1Sequence s;
        try {
            s = ASN1Sequence.getInstance(der);
        } catch (Exception e) {
            throw new Rejected("not a DER SEQUENCE: " + e.getMessage());
        }
        if (s.size() != 4) throw new Rejected("SM2 DER ciphertext needs 4 elements, has " + s.size());
        if (!Arrays.equals(s.getEncoded(ASN1Encoding.DER), der)) throw new Rejected("not canonical DER");
        BigInteger x = ASN1Integer.getInstance(s.getObjectAt(0)).getPositiveValue();
        BigInteger y = ASN1Integer.getInstance(s.getObjectAt(1)).getPositiveValue();
        byte[] c3 = ASN1OctetString.getInstance(s.getObjectAt(2)).getOctets();
        byte[] c2 = ASN1OctetString.getInstance(s.getObjectAt(3)).getOctets();
        if (c3.length != 32) throw new Rejected("C3 is " + c3.length + " bytes, not 32");
        return concat(new byte[] {4}, fixed32(x), fixed32(y), c3, c2);
    }

    static byte[] fixed32(BigInteger v) throws Rejected {
        if (v.signum() < 0 || v.bitLength() > 256) throw new Rejected("coordinate out of range");
        byte[] b = v.toByteArray();
        byte[] o = new byte[32];
        int n = Math.min(b.length, 32);
        System.arraycopy(b, b.length - n, o, 32 - n, n);
        return o;
    }

    static String fixed(BigInteger d) throws Rejected {
        return hex(fixed32(d));
    }

    static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) n += p.length;
        byte[] o = new byte[n];
        int off = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, o, off, p.length);
            off += p.length;
        }
        return o;
    }

    static void need(String[] a, int n) {
        if (a.length != n) throw new IllegalArgumentException(a[0] + " takes " + (n - 1) + " argument(s), got " + (a.length - 1));
    }

    static byte[] bytes(String h) {
        return h.equals("-") ? new byte[0] : Hex.decodeStrict(h);
    }

    static String hex(byte[] b) {
        return Hex.toHexString(b);
    }
}
