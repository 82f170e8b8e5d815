package dev.agentplane.bench.sse;

import dev.agentplane.bench.FixedRate;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;

/**
 * One watcher of {@code GET /v1/runs/{id}/events}, read from a plain socket on a virtual thread: it
 * notes when each event arrived (wall clock, microseconds, when the event's first line was read) by
 * its {@code id:} (the run's sequence number), and whether the stream reached the terminal event
 * and ended there. Five hundred of them share two cores with the stack, so it keeps no payloads and
 * parses nothing but the {@code id:} and {@code event:} lines.
 */
final class EventStream {

  private static final Set<String> TERMINAL =
      Set.of("run.succeeded", "run.failed", "run.cancelled", "run.timed_out");

  /** Keep-alive comments come every 15 s; a stream quiet for this long is stuck. */
  private static final Duration QUIET_LIMIT = Duration.ofSeconds(60);

  private final URI target;
  private final UUID runId;
  private final String token;
  private final Thread reader;

  // Written by the reader thread only; read after it is joined.
  private long openedMicros = Long.MAX_VALUE;
  private long[] receivedMicros = new long[256];
  private long lastSeq;
  private int received;
  private int outOfOrder;
  private String terminal;
  private boolean endedAfterTerminal;
  private String failure;

  private EventStream(URI target, UUID runId, String token) {
    this.target = target;
    this.runId = runId;
    this.token = token;
    this.reader = Thread.ofVirtual().name("sse-" + runId).start(this::read);
  }

  /** Opens a stream of {@code runId}'s events from {@code target} (execution or the gateway). */
  static EventStream open(URI target, UUID runId, String token) {
    return new EventStream(target, runId, token);
  }

  /** Waits for the stream to end, at most until {@code deadlineNanos}; true if it did. */
  boolean await(long deadlineNanos) throws InterruptedException {
    long left = deadlineNanos - System.nanoTime();
    return left > 0 && reader.join(Duration.ofNanos(left));
  }

  UUID runId() {
    return runId;
  }

  /** When the response's headers arrived: events committed after it were delivered live. */
  long openedMicros() {
    return openedMicros;
  }

  /** When the event with this sequence number arrived; 0 if it did not. */
  long receivedMicros(long seq) {
    return seq < receivedMicros.length ? receivedMicros[(int) seq] : 0;
  }

  int received() {
    return received;
  }

  /** Events whose number was not the one after the previous event's (a gap or a repeat). */
  int outOfOrder() {
    return outOfOrder;
  }

  /** The stream got a terminal event and the server ended the response after it. */
  boolean reachedTerminal() {
    return terminal != null && endedAfterTerminal;
  }

  /** The terminal event's name, or null. */
  String terminal() {
    return terminal;
  }

  /** Why the stream broke off, or null. */
  String failure() {
    return failure;
  }

  private void read() {
    try (Socket socket = new Socket(target.getHost(), target.getPort())) {
      socket.setTcpNoDelay(true);
      socket.setSoTimeout((int) QUIET_LIMIT.toMillis());
      OutputStream out = socket.getOutputStream();
      out.write(request().getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = new BufferedInputStream(socket.getInputStream(), 16 * 1024);
      String status = line(in);
      if (!status.startsWith("HTTP/1.1 200")) {
        failure = status;
        return;
      }
      boolean chunked = false;
      for (String header = line(in); !header.isEmpty(); header = line(in)) {
        String lower = header.toLowerCase(Locale.ROOT);
        chunked |= lower.startsWith("transfer-encoding:") && lower.contains("chunked");
      }
      openedMicros = FixedRate.epochMicros();
      readEvents(chunked ? new ChunkedBody(in) : in);
      endedAfterTerminal = terminal != null;
    } catch (IOException | RuntimeException e) {
      failure = e.toString();
    }
  }

  private String request() {
    return "GET /v1/runs/"
        + runId
        + "/events HTTP/1.1\r\nHost: "
        + target.getHost()
        + ":"
        + target.getPort()
        + "\r\nAuthorization: Bearer "
        + token
        + "\r\nAccept: text/event-stream\r\nConnection: close\r\n\r\n";
  }

  /** Reads events until the body ends: each is a block of field lines ended by an empty line. */
  private void readEvents(InputStream body) throws IOException {
    LineBuffer line = new LineBuffer();
    long seq = -1;
    String name = null;
    long arrived = 0;
    while (line.readFrom(body)) {
      if (line.isEmpty()) {
        if (seq >= 0) {
          arrived(seq, name, arrived);
        }
        seq = -1;
        name = null;
        arrived = 0;
        continue;
      }
      if (line.startsWith(':')) {
        continue; // a keep-alive comment
      }
      if (arrived == 0) {
        arrived = FixedRate.epochMicros();
      }
      if (line.isField("id")) {
        seq = Long.parseLong(line.value());
      } else if (line.isField("event")) {
        name = line.value();
      }
    }
  }

  private void arrived(long seq, String name, long arrivedMicros) {
    if (seq != lastSeq + 1) {
      outOfOrder++;
    }
    lastSeq = seq;
    if (seq >= receivedMicros.length) {
      receivedMicros =
          Arrays.copyOf(receivedMicros, (int) Math.max(seq + 1, receivedMicros.length * 2L));
    }
    if (receivedMicros[(int) seq] == 0) {
      receivedMicros[(int) seq] = arrivedMicros;
      received++;
    }
    if (name != null && TERMINAL.contains(name)) {
      terminal = name;
    }
  }

  /** A header line, without its CRLF. */
  private static String line(InputStream in) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);
    for (int b = in.read(); b != '\n'; b = in.read()) {
      if (b < 0) {
        throw new EOFException("The response ended inside its headers");
      }
      if (b != '\r') {
        bytes.write(b);
      }
    }
    return bytes.toString(StandardCharsets.US_ASCII);
  }

  /** One line of the event stream at a time, in a buffer reused for every line. */
  private static final class LineBuffer {
    private byte[] bytes = new byte[1024];
    private int length;

    /** Reads the next line; false at the end of the body. */
    boolean readFrom(InputStream in) throws IOException {
      length = 0;
      for (int b = in.read(); b != '\n'; b = in.read()) {
        if (b < 0) {
          return false;
        }
        if (b == '\r') {
          continue;
        }
        if (length == bytes.length) {
          bytes = Arrays.copyOf(bytes, length * 2);
        }
        bytes[length++] = (byte) b;
      }
      return true;
    }

    boolean isEmpty() {
      return length == 0;
    }

    boolean startsWith(char c) {
      return length > 0 && bytes[0] == c;
    }

    boolean isField(String field) {
      if (length <= field.length() || bytes[field.length()] != ':') {
        return false;
      }
      for (int i = 0; i < field.length(); i++) {
        if (bytes[i] != field.charAt(i)) {
          return false;
        }
      }
      return true;
    }

    /** What follows the field's colon and the one space the SSE format allows after it. */
    String value() {
      int from = indexOfColon() + 1;
      if (from < length && bytes[from] == ' ') {
        from++;
      }
      return new String(bytes, from, length - from, StandardCharsets.UTF_8);
    }

    private int indexOfColon() {
      for (int i = 0; i < length; i++) {
        if (bytes[i] == ':') {
          return i;
        }
      }
      return length;
    }
  }

  /** The body of a {@code Transfer-Encoding: chunked} response; ends at the zero-size chunk. */
  private static final class ChunkedBody extends InputStream {
    private final InputStream in;
    private long left;
    private boolean ended;

    ChunkedBody(InputStream in) {
      this.in = in;
    }

    @Override
    public int read() throws IOException {
      if (ended) {
        return -1;
      }
      if (left == 0) {
        long size = Long.parseLong(sizeOf(line(in)), 16);
        if (size == 0) {
          ended = true;
          return -1;
        }
        left = size;
      }
      int b = in.read();
      if (b < 0) {
        throw new EOFException("The response ended inside a chunk");
      }
      if (--left == 0) {
        line(in); // the CRLF after the chunk's data
      }
      return b;
    }

    private static String sizeOf(String sizeLine) {
      int extension = sizeLine.indexOf(';');
      return (extension < 0 ? sizeLine : sizeLine.substring(0, extension)).trim();
    }
  }
}
