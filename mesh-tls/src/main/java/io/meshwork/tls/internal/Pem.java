package io.meshwork.tls.internal;

import io.meshwork.tls.IdentityException;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;

/**
 * Reading and writing PEM (RFC 7468) with BouncyCastle's parser, which accepts what
 * cert-manager, Vault agent, SPIRE's helper and openssl write: certificates, PKCS#8 keys
 * ({@code PRIVATE KEY}), and the traditional {@code EC PRIVATE KEY} (SEC 1) and {@code RSA
 * PRIVATE KEY} (PKCS#1) forms. Keys and certificates are converted with the JDK's own providers;
 * BouncyCastle is never registered as a security provider.
 */
public final class Pem {
  private static final JcaX509CertificateConverter CERTS = new JcaX509CertificateConverter();
  private static final JcaPEMKeyConverter KEYS = new JcaPEMKeyConverter();

  private Pem() {}

  /**
   * Every certificate in {@code pem}, in order.
   *
   * @param what names the source in messages, e.g. {@code certificate chain /etc/tls/tls.crt}
   * @throws IdentityException when there is no certificate, or anything else than certificates
   */
  public static List<X509Certificate> certificates(byte[] pem, String what) {
    List<X509Certificate> certs = new ArrayList<>();
    try (PEMParser parser = parser(pem)) {
      Object o;
      while ((o = parser.readObject()) != null) {
        if (!(o instanceof X509CertificateHolder)) {
          throw new IdentityException(what + ": holds " + describe(o) + " (expected: only CERTIFICATE blocks)");
        }
        certs.add(CERTS.getCertificate((X509CertificateHolder) o));
      }
    } catch (IOException | CertificateException | RuntimeException e) {
      if (e instanceof IdentityException) throw (IdentityException) e;
      throw new IdentityException(what + ": not valid PEM certificates (" + e.getMessage() + ")", e);
    }
    if (certs.isEmpty()) {
      throw new IdentityException(what + ": no PEM certificate found (expected: -----BEGIN CERTIFICATE----- blocks)");
    }
    return certs;
  }

  /**
   * The one private key in {@code pem}.
   *
   * @throws IdentityException when there is no key, more than one, an encrypted one, or other
   *     blocks
   */
  public static PrivateKey privateKey(byte[] pem, String what) {
    PrivateKey key = null;
    try (PEMParser parser = parser(pem)) {
      Object o;
      while ((o = parser.readObject()) != null) {
        PrivateKey k;
        if (o instanceof PrivateKeyInfo) {
          k = KEYS.getPrivateKey((PrivateKeyInfo) o);
        } else if (o instanceof PEMKeyPair) {
          k = KEYS.getPrivateKey(((PEMKeyPair) o).getPrivateKeyInfo());
        } else if (o instanceof PKCS8EncryptedPrivateKeyInfo || o instanceof PEMEncryptedKeyPair) {
          throw new IdentityException(what + ": the private key is encrypted (expected: an unencrypted PKCS#8 key)");
        } else if (o instanceof org.bouncycastle.asn1.x9.X9ECParameters
            || o instanceof org.bouncycastle.asn1.ASN1ObjectIdentifier) {
          continue; // "EC PARAMETERS" block that openssl ecparam -genkey writes before the key
        } else {
          throw new IdentityException(what + ": holds " + describe(o) + " (expected: one PRIVATE KEY block)");
        }
        if (key != null) {
          throw new IdentityException(what + ": holds more than one private key (expected: one)");
        }
        key = k;
      }
    } catch (IOException | RuntimeException e) {
      if (e instanceof IdentityException) throw (IdentityException) e;
      throw new IdentityException(what + ": not a valid PEM private key (" + e.getMessage() + ")", e);
    }
    if (key == null) {
      throw new IdentityException(what + ": no PEM private key found (expected: -----BEGIN PRIVATE KEY-----, "
          + "-----BEGIN EC PRIVATE KEY----- or -----BEGIN RSA PRIVATE KEY-----)");
    }
    return key;
  }

  /** {@code certs} as consecutive {@code CERTIFICATE} blocks. */
  public static String encodeCertificates(List<X509Certificate> certs) {
    StringBuilder sb = new StringBuilder();
    for (X509Certificate c : certs) {
      try {
        sb.append(encode("CERTIFICATE", c.getEncoded()));
      } catch (CertificateException e) {
        throw new IllegalStateException("cannot encode certificate " + c.getSubjectX500Principal(), e);
      }
    }
    return sb.toString();
  }

  /** {@code key} as an unencrypted PKCS#8 {@code PRIVATE KEY} block. */
  public static String encodePrivateKey(PrivateKey key) {
    if (!"PKCS#8".equals(key.getFormat())) {
      throw new IllegalArgumentException("private key format: " + key.getFormat() + " (expected: PKCS#8)");
    }
    return encode("PRIVATE KEY", key.getEncoded());
  }

  static String encode(String type, byte[] der) {
    return "-----BEGIN " + type + "-----\n"
        + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
        + "\n-----END " + type + "-----\n";
  }

  private static PEMParser parser(byte[] pem) {
    return new PEMParser(new StringReader(new String(pem, StandardCharsets.US_ASCII)));
  }

  private static String describe(Object o) {
    if (o instanceof X509CertificateHolder) return "a certificate";
    if (o instanceof PrivateKeyInfo || o instanceof PEMKeyPair) return "a private key";
    if (o instanceof PKCS8EncryptedPrivateKeyInfo || o instanceof PEMEncryptedKeyPair) return "an encrypted private key";
    return "a PEM block of type " + o.getClass().getSimpleName();
  }
}
