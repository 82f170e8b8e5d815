package dev.agentplane.approval.webhook;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A real webhook receiver on loopback: answers each POST with the next scripted reply (then the
 * default), and keeps every request it got, headers and raw body bytes as received.
 */
public final class Receiver implements AutoCloseable {

  /** What the receiver got. Header names are lower case. */
  public record Received(Map<String, String> headers, byte[] body, Instant at) {
    public String header(String name) {
      return headers.get(name);
    }
  }

  /** A reply: a status, after an optional delay. */
  record Reply(int status, Duration delay) {
    static Reply status(int status) {
      return new Reply(status, Duration.ZERO);
    }

    static Reply slow(Duration delay) {
      return new Reply(200, delay);
    }
  }

  private final HttpServer server;
  private final ConcurrentLinkedQueue<Reply> script = new ConcurrentLinkedQueue<>();
  private final List<Received> received = new CopyOnWriteArrayList<>();
  private final CountDownLatch closing = new CountDownLatch(1);
  private volatile Reply fallback = Reply.status(204);

  private Receiver() {
    try {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    server.createContext(
        "/",
        exchange -> {
          try (exchange;
              InputStream in = exchange.getRequestBody()) {
            byte[] body = in.readAllBytes();
            Map<String, String> headers = new TreeMap<>();
            exchange
                .getRequestHeaders()
                .forEach((name, values) -> headers.put(name.toLowerCase(), values.getFirst()));
            received.add(new Received(headers, body, Instant.now()));
            Reply reply = script.poll();
            if (reply == null) {
              reply = fallback;
            }
            if (!reply.delay().isZero()) {
              // A slow receiver: hold the answer (not a test sleeping; the server thread waits).
              closing.await(reply.delay().toMillis(), TimeUnit.MILLISECONDS);
            }
            exchange.sendResponseHeaders(reply.status(), -1);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        });
    server.start();
  }

  public static Receiver start() {
    return new Receiver();
  }

  /** Scripts the next replies, in order; afterwards every request gets the fallback. */
  Receiver thenReply(Reply... replies) {
    script.addAll(List.of(replies));
    return this;
  }

  Receiver byDefault(Reply reply) {
    this.fallback = reply;
    return this;
  }

  /** A URL on this receiver, e.g. {@code http://127.0.0.1:40123/hooks/a}. */
  public String url(String path) {
    return "http://127.0.0.1:" + server.getAddress().getPort() + path;
  }

  public List<Received> received() {
    return List.copyOf(received);
  }

  @Override
  public void close() {
    closing.countDown();
    server.stop(0);
  }
}
