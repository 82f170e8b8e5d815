package dev.agentplane.execution.support;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An HTTP/1.1 server on loopback that reads each request and then holds it, answering only once
 * told to ({@link #answerNow}); while it holds a request it watches the connection, so it sees a
 * client that gives up (closes the connection) before the answer. Plain sockets rather than {@code
 * com.sun.net.httpserver}, whose handlers cannot see their client go away.
 */
public final class HangingHttpServer implements AutoCloseable {

  private static final byte[] ANSWER =
      ("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 13\r\n"
              + "Connection: close\r\n\r\n{\"late\":true}")
          .getBytes(StandardCharsets.US_ASCII);

  private final ServerSocket listening;
  private final List<String> requestLines = new CopyOnWriteArrayList<>();
  private final List<String> requestHeads = new CopyOnWriteArrayList<>();
  private final AtomicInteger abortedByClient = new AtomicInteger();
  private final AtomicInteger answered = new AtomicInteger();
  private volatile boolean answering;

  private HangingHttpServer(ServerSocket listening) {
    this.listening = listening;
    Thread.ofVirtual().name("hanging-http-accept").start(this::accept);
  }

  public static HangingHttpServer start() {
    try {
      return new HangingHttpServer(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** {@code http://127.0.0.1:<port><path>}. */
  public String url(String path) {
    return "http://127.0.0.1:" + listening.getLocalPort() + path;
  }

  /** The request line of every request received, e.g. {@code GET /slow HTTP/1.1}. */
  public List<String> requestLines() {
    return List.copyOf(requestLines);
  }

  /**
   * The value of header {@code name} (case-insensitive) in every request received, in order; null
   * for a request without it.
   */
  public List<String> headerValues(String name) {
    return requestHeads.stream()
        .map(
            head ->
                head.lines()
                    .skip(1)
                    .filter(line -> line.regionMatches(true, 0, name + ":", 0, name.length() + 1))
                    .map(line -> line.substring(name.length() + 1).strip())
                    .findFirst()
                    .orElse(null))
        .toList();
  }

  /** Requests whose client closed the connection while the server held them. */
  public int abortedByClient() {
    return abortedByClient.get();
  }

  public int answered() {
    return answered.get();
  }

  /** Answers every held request, and any later one at once. */
  public void answerNow() {
    answering = true;
  }

  @Override
  public void close() {
    answering = true;
    try {
      listening.close();
    } catch (IOException ignored) {
      // Closing a listening socket twice is harmless.
    }
  }

  private void accept() {
    while (!listening.isClosed()) {
      try {
        Socket connection = listening.accept();
        Thread.ofVirtual().name("hanging-http-connection").start(() -> hold(connection));
      } catch (IOException closed) {
        return;
      }
    }
  }

  private void hold(Socket connection) {
    try (connection) {
      InputStream in = connection.getInputStream();
      String head = readHead(in);
      requestHeads.add(head);
      requestLines.add(head.lines().findFirst().orElse(""));
      // Polls the socket: a read that times out means the client still waits; -1 or a reset
      // means it gave up.
      connection.setSoTimeout(20);
      while (!answering) {
        try {
          if (in.read() < 0) {
            abortedByClient.incrementAndGet();
            return;
          }
        } catch (SocketTimeoutException stillWaiting) {
          // Check again.
        }
      }
      OutputStream out = connection.getOutputStream();
      out.write(ANSWER);
      out.flush();
      answered.incrementAndGet();
    } catch (SocketException reset) {
      abortedByClient.incrementAndGet();
    } catch (IOException e) {
      // A broken connection of a test server: the test's assertions tell.
    }
  }

  /** The request line and headers, up to the blank line (the tools' GETs carry no body). */
  private static String readHead(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int matched = 0;
    byte[] end = {'\r', '\n', '\r', '\n'};
    while (matched < end.length) {
      int next = in.read();
      if (next < 0) {
        break;
      }
      head.write(next);
      matched = next == end[matched] ? matched + 1 : (next == '\r' ? 1 : 0);
    }
    return head.toString(StandardCharsets.US_ASCII);
  }
}
