package dev.agentplane.testkit;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;

/**
 * A production-like identity provider on loopback: publishes a JWKS (RSA and EC keys, rotatable
 * while it runs: keys published and withdrawn), counts how often it is fetched, and signs tokens
 * with its keys.
 */
public final class TestIdentityProvider implements AutoCloseable {

  private final HttpServer server;
  private final List<JWK> published = new CopyOnWriteArrayList<>();
  private final AtomicInteger fetches = new AtomicInteger();
  private final List<String> requests = new CopyOnWriteArrayList<>();

  private TestIdentityProvider() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/.well-known/jwks.json",
        exchange -> {
          requests.add(exchange.getRequestURI().toString());
          fetches.incrementAndGet();
          byte[] body =
              new JWKSet(published.stream().map(JWK::toPublicJWK).toList())
                  .toString()
                  .getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().add("Content-Type", "application/json");
          exchange.sendResponseHeaders(200, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    server.createContext(
        "/",
        exchange -> {
          requests.add(exchange.getRequestURI().toString());
          exchange.sendResponseHeaders(404, -1);
          exchange.close();
        });
    server.start();
  }

  public static TestIdentityProvider start() {
    try {
      return new TestIdentityProvider();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  public String jwksUrl() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/.well-known/jwks.json";
  }

  public int fetches() {
    return fetches.get();
  }

  /** Every request it received, on any path (the JWKS fetches among them), in order. */
  public List<String> requests() {
    return List.copyOf(requests);
  }

  /** A URL on this server other than its JWKS, e.g. for a token's {@code jku} or {@code x5u}. */
  public String urlOf(String path) {
    return "http://127.0.0.1:" + server.getAddress().getPort() + path;
  }

  public static RSAKey newRsaKey(String keyId) {
    try {
      return new RSAKeyGenerator(2048).keyID(keyId).generate();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  public static ECKey newEcKey(String keyId) {
    try {
      return new ECKeyGenerator(Curve.P_256).keyID(keyId).generate();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Withdraws (retires) a key from the next fetch on. */
  public void withdraw(JWK key) {
    published.removeIf(k -> k.getKeyID().equals(key.getKeyID()));
  }

  /** Publishes a key from the next fetch on. */
  public void publish(JWK key) {
    published.add(key);
  }

  /** The platform's standard claims for a user of {@code tenant}, valid for ten minutes. */
  public static JWTClaimsSet.Builder claims(String tenant) {
    return TestTokens.adminClaims(tenant, "alice");
  }

  public static String sign(JWK key, JWTClaimsSet claims) {
    return sign(key, header -> header, claims);
  }

  /**
   * Signs with the key, the header naming its id unless {@code header} changes it (a {@code kid} of
   * another key, a {@code jku} or {@code x5u} an attacker controls).
   */
  public static String sign(JWK key, UnaryOperator<JWSHeader.Builder> header, JWTClaimsSet claims) {
    try {
      JWSAlgorithm algorithm;
      JWSSigner signer;
      if (key instanceof RSAKey rsa) {
        algorithm = JWSAlgorithm.RS256;
        signer = new RSASSASigner(rsa);
      } else {
        algorithm = JWSAlgorithm.ES256;
        signer = new ECDSASigner((ECKey) key);
      }
      SignedJWT jwt =
          new SignedJWT(
              header.apply(new JWSHeader.Builder(algorithm).keyID(key.getKeyID())).build(), claims);
      jwt.sign(signer);
      return jwt.serialize();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * The key-confusion attack: HS256 "signed" with the RSA public key (as published, PEM-encoded)
   * used as the HMAC secret, naming that key's id.
   */
  public static String hmacWithPublicKey(RSAKey key, JWTClaimsSet claims) {
    try {
      String pem =
          "-----BEGIN PUBLIC KEY-----\n"
              + Base64.getMimeEncoder().encodeToString(key.toRSAPublicKey().getEncoded())
              + "\n-----END PUBLIC KEY-----\n";
      SignedJWT jwt =
          new SignedJWT(
              new JWSHeader.Builder(JWSAlgorithm.HS256).keyID(key.getKeyID()).build(), claims);
      jwt.sign(new MACSigner(pem.getBytes(StandardCharsets.US_ASCII)));
      return jwt.serialize();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
