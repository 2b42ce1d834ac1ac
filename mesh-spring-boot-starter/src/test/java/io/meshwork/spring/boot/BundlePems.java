package io.meshwork.spring.boot;

import io.meshwork.tls.WorkloadCertificate;
import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * PEM files for a Spring SSL bundle ({@code spring.ssl.bundle.pem.<name>.*}) in a folder: {@code
 * cert.pem}, {@code key.pem}, {@code ca.pem}, written so that a watcher never sees half a file.
 */
public final class BundlePems {
  public final Path certificate;
  public final Path privateKey;
  public final Path trustBundle;

  public BundlePems(Path folder) {
    certificate = folder.resolve("cert.pem");
    privateKey = folder.resolve("key.pem");
    trustBundle = folder.resolve("ca.pem");
  }

  /** Writes {@code identity}'s chain, key and trust bundle, each by an atomic move. */
  public BundlePems write(WorkloadCertificate identity) throws IOException {
    write(identity.chainPem(), identity.privateKeyPem(), identity.trustBundlePem());
    return this;
  }

  /** Writes the three files, each by an atomic move. */
  public void write(String chain, String key, String trust) throws IOException {
    move(trustBundle, trust);
    move(privateKey, key);
    move(certificate, chain);
  }

  /** The properties of bundle {@code name} over these files, reloaded on update. */
  public String[] properties(String name) {
    String p = "spring.ssl.bundle.pem." + name + ".";
    return new String[] {p + "keystore.certificate=" + certificate, p + "keystore.private-key=" + privateKey,
        p + "truststore.certificate=" + trustBundle, p + "reload-on-update=true"};
  }

  /**
   * A self-signed certificate for {@code CN=greeter} without a URI SAN, and its key, as PEM:
   * what a web server's certificate often is, and what cannot be a workload identity.
   */
  public static String[] withoutSpiffeId() throws Exception {
    KeyPair keys = KeyPairGenerator.getInstance("EC").generateKeyPair();
    Instant now = Instant.now();
    X500Name name = new X500Name("CN=greeter");
    X509Certificate cert = new JcaX509CertificateConverter().getCertificate(new JcaX509v3CertificateBuilder(
        name, BigInteger.valueOf(now.toEpochMilli()), Date.from(now.minusSeconds(60)),
        Date.from(now.plus(Duration.ofHours(1))), name, keys.getPublic())
        .build(new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate())));
    String certPem = pem(cert);
    return new String[] {certPem, pem(keys.getPrivate()), certPem};
  }

  private static String pem(Object o) throws IOException {
    StringWriter out = new StringWriter();
    try (JcaPEMWriter w = new JcaPEMWriter(out)) {
      w.writeObject(o);
    }
    return out.toString();
  }

  private static void move(Path target, String content) throws IOException {
    Path tmp = Files.createTempFile(target.getParent(), ".tmp-", ".pem");
    Files.writeString(tmp, content);
    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }
}
