package io.meshwork.tls.internal;

import io.meshwork.tls.SpiffeId;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Collection;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * X.509 work: building the development CA's certificate and X.509-SVIDs with BouncyCastle's
 * builders (signed with the JDK's providers), and reading the SPIFFE ID of a certificate.
 *
 * <p>Workload certificates follow the <a
 * href="https://github.com/spiffe/spiffe/blob/main/standards/X509-SVID.md">X.509-SVID
 * specification</a>: exactly one URI SAN, the SPIFFE ID; basic constraints {@code cA=false};
 * key usage {@code digitalSignature} only (critical); extended key usage {@code serverAuth} and
 * {@code clientAuth}. No DNS SAN: peers are verified by identity, not host name.
 */
public final class X509 {
  private static final JcaX509CertificateConverter CONVERTER = new JcaX509CertificateConverter();
  private static final int URI_SAN = 6;

  private X509() {}

  /** A self-signed CA certificate for {@code keys}, valid from {@code notBefore} to {@code notAfter}. */
  public static X509Certificate selfSignedCa(KeyPair keys, String commonName, Instant notBefore, Instant notAfter,
      SecureRandom random) {
    try {
      X500Name name = new X500NameBuilder(BCStyle.INSTANCE)
          .addRDN(BCStyle.O, "Meshwork").addRDN(BCStyle.CN, commonName).build();
      JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
      X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name, serial(random),
          Date.from(notBefore), Date.from(notAfter), name, keys.getPublic())
          .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
          .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
          .addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(keys.getPublic()));
      return sign(b, keys.getPrivate());
    } catch (CertIOException | GeneralSecurityException e) {
      throw new IllegalStateException("cannot build the CA certificate", e);
    }
  }

  /** An X.509-SVID for {@code id} and {@code subjectKey}, signed by {@code ca} with {@code caKey}. */
  public static X509Certificate svid(SpiffeId id, PublicKey subjectKey, X509Certificate ca, PrivateKey caKey,
      Instant notBefore, Instant notAfter, SecureRandom random) {
    try {
      X500NameBuilder nb = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.O, "Meshwork");
      String last = id.path().substring(id.path().lastIndexOf('/') + 1);
      if (!last.isEmpty() && last.length() <= 64) {
        nb.addRDN(BCStyle.CN, last);
      }
      JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
      X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(ca, serial(random),
          Date.from(notBefore), Date.from(notAfter), nb.build(), subjectKey)
          .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
          .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
          .addExtension(Extension.extendedKeyUsage, false,
              new ExtendedKeyUsage(new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}))
          .addExtension(Extension.subjectAlternativeName, false,
              new GeneralNames(new GeneralName(GeneralName.uniformResourceIdentifier, id.toString())))
          .addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(subjectKey))
          .addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(ca));
      return sign(b, caKey);
    } catch (CertIOException | GeneralSecurityException e) {
      throw new IllegalStateException("cannot build the certificate of " + id, e);
    }
  }

  /**
   * The SPIFFE ID of an X.509-SVID: its one URI SAN.
   *
   * @throws CertificateException when there is no URI SAN, more than one, or it is not a valid
   *     SPIFFE ID of a workload (which has a path)
   */
  public static SpiffeId spiffeIdOf(X509Certificate cert) throws CertificateException {
    Collection<List<?>> sans;
    try {
      sans = cert.getSubjectAlternativeNames();
    } catch (CertificateParsingException e) {
      throw new CertificateException("certificate " + cert.getSubjectX500Principal() + " has an unreadable SAN: "
          + e.getMessage(), e);
    }
    String uri = null;
    if (sans != null) {
      for (List<?> san : sans) {
        if (((Integer) san.get(0)) == URI_SAN) {
          if (uri != null) {
            throw new CertificateException("certificate " + cert.getSubjectX500Principal()
                + " has more than one URI SAN (" + uri + ", " + san.get(1) + "; expected: exactly one, its SPIFFE ID)");
          }
          uri = (String) san.get(1);
        }
      }
    }
    if (uri == null) {
      throw new CertificateException("certificate " + cert.getSubjectX500Principal()
          + " has no URI SAN (expected: its SPIFFE ID, spiffe://<trust domain>/<path>)");
    }
    SpiffeId id;
    try {
      id = SpiffeId.parse(uri);
    } catch (IllegalArgumentException e) {
      throw new CertificateException("certificate " + cert.getSubjectX500Principal() + ": URI SAN is not a SPIFFE ID: "
          + e.getMessage(), e);
    }
    if (id.path().isEmpty()) {
      throw new CertificateException("certificate " + cert.getSubjectX500Principal() + ": " + id
          + " names a trust domain, not a workload (expected: a SPIFFE ID with a path)");
    }
    return id;
  }

  /** A positive random serial number of 127 bits (RFC 5280 allows up to 20 octets). */
  static BigInteger serial(SecureRandom random) {
    BigInteger s;
    do {
      s = new BigInteger(127, random);
    } while (s.signum() == 0);
    return s;
  }

  private static X509Certificate sign(X509v3CertificateBuilder b, PrivateKey key)
      throws CertificateException {
    try {
      ContentSigner signer = new JcaContentSignerBuilder(signatureAlgorithm(key)).build(key);
      return CONVERTER.getCertificate(b.build(signer));
    } catch (OperatorCreationException e) {
      throw new CertificateException("cannot sign with a " + key.getAlgorithm() + " key", e);
    }
  }

  private static String signatureAlgorithm(PrivateKey key) {
    return "RSA".equals(key.getAlgorithm()) ? "SHA256withRSA" : "SHA256withECDSA";
  }
}
