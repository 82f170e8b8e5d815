package dev.agentplane.acceptance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import dev.agentplane.testkit.ServiceApi;
import dev.agentplane.testkit.ServiceApi.Reply;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A POST whose body is generated while it is sent (a JSON document of any size: a prefix, filler
 * characters, a suffix), announced by {@code Content-Length} or sent {@code Transfer-Encoding:
 * chunked} with no length, over a plain socket. A server may answer and close before the body is
 * all written, as the gateway does with a body over its cap: the writer runs beside the reader and
 * stops quietly when the connection is closed under it, and the answer is read all the same.
 */
final class StreamedUpload {

  private static final int BLOCK = 64 * 1024;
  private static final Duration ANSWER_WITHIN = Duration.ofSeconds(60);

  /** How the body's end is announced. */
  enum Framing {
    CONTENT_LENGTH,
    CHUNKED
  }

  private StreamedUpload() {}

  /**
   * Sends {@code prefix}, then {@code 'x'} until the body is {@code totalBytes} long, then {@code
   * suffix} (ASCII), as a POST of {@code application/json} to {@code path} with {@code token}.
   */
  static Reply post(
      URI base,
      String path,
      String token,
      String prefix,
      String suffix,
      long totalBytes,
      Framing framing) {
    try (Socket socket = new Socket(base.getHost(), base.getPort())) {
      socket.setSoTimeout((int) ANSWER_WITHIN.toMillis());
      OutputStream out = socket.getOutputStream();
      Thread writer =
          Thread.ofVirtual()
              .start(
                  () -> writeRequest(out, base, path, token, prefix, suffix, totalBytes, framing));
      Reply reply = readReply(new BufferedInputStream(socket.getInputStream()));
      writer.join(ANSWER_WITHIN);
      return reply;
    } catch (IOException e) {
      throw new UncheckedIOException("No answer to the upload of " + totalBytes + " bytes", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static void writeRequest(
      OutputStream out,
      URI base,
      String path,
      String token,
      String prefix,
      String suffix,
      long totalBytes,
      Framing framing) {
    byte[] head = prefix.getBytes(StandardCharsets.US_ASCII);
    byte[] tail = suffix.getBytes(StandardCharsets.US_ASCII);
    long filler = totalBytes - head.length - tail.length;
    if (filler < 0) {
      throw new IllegalArgumentException("The prefix and suffix alone exceed " + totalBytes);
    }
    StringBuilder request =
        new StringBuilder()
            .append("POST ")
            .append(path)
            .append(" HTTP/1.1\r\nHost: ")
            .append(base.getHost())
            .append(':')
            .append(base.getPort())
            .append("\r\nAuthorization: Bearer ")
            .append(token)
            .append("\r\nContent-Type: application/json\r\nConnection: close\r\n");
    request.append(
        framing == Framing.CHUNKED
            ? "Transfer-Encoding: chunked\r\n"
            : "Content-Length: " + totalBytes + "\r\n");
    request.append("\r\n");
    byte[] block = new byte[BLOCK];
    Arrays.fill(block, (byte) 'x');
    try {
      out.write(request.toString().getBytes(StandardCharsets.US_ASCII));
      writePart(out, head, head.length, framing);
      for (long left = filler; left > 0; left -= BLOCK) {
        writePart(out, block, (int) Math.min(BLOCK, left), framing);
      }
      writePart(out, tail, tail.length, framing);
      if (framing == Framing.CHUNKED) {
        out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      }
      out.flush();
    } catch (IOException closedByTheServer) {
      // The server answered early and closed the connection: the rest of the body is unwanted.
    }
  }

  private static void writePart(OutputStream out, byte[] bytes, int length, Framing framing)
      throws IOException {
    if (length == 0) {
      return;
    }
    if (framing == Framing.CHUNKED) {
      out.write((Integer.toHexString(length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
      out.write(bytes, 0, length);
      out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
    } else {
      out.write(bytes, 0, length);
    }
  }

  private static Reply readReply(InputStream in) throws IOException {
    String statusLine = line(in);
    if (statusLine == null) {
      throw new IOException("The connection closed before any answer");
    }
    int status = Integer.parseInt(statusLine.split(" ")[1]);
    Map<String, List<String>> headers = new LinkedHashMap<>();
    for (String line = line(in); line != null && !line.isEmpty(); line = line(in)) {
      int colon = line.indexOf(':');
      headers
          .computeIfAbsent(line.substring(0, colon).trim(), name -> new ArrayList<>())
          .add(line.substring(colon + 1).trim());
    }
    String raw = new String(body(in, headers), StandardCharsets.UTF_8);
    JsonNode json;
    try {
      json = raw.isBlank() ? MissingNode.getInstance() : ServiceApi.JSON.readTree(raw);
    } catch (IOException notJson) {
      json = MissingNode.getInstance();
    }
    return new Reply(status, headers, json, raw);
  }

  private static byte[] body(InputStream in, Map<String, List<String>> headers) throws IOException {
    String length = first(headers, "Content-Length");
    if (length != null) {
      return in.readNBytes(Integer.parseInt(length));
    }
    String encoding = first(headers, "Transfer-Encoding");
    if (encoding == null || !encoding.toLowerCase(Locale.ROOT).contains("chunked")) {
      return in.readAllBytes();
    }
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    for (int size = chunkSize(line(in)); size > 0; size = chunkSize(line(in))) {
      body.write(in.readNBytes(size));
      line(in);
    }
    return body.toByteArray();
  }

  private static int chunkSize(String line) {
    return line == null ? 0 : Integer.parseInt(line.split(";")[0].trim(), 16);
  }

  private static String first(Map<String, List<String>> headers, String name) {
    return headers.entrySet().stream()
        .filter(header -> header.getKey().equalsIgnoreCase(name))
        .map(header -> header.getValue().getFirst())
        .findFirst()
        .orElse(null);
  }

  /** One CRLF-terminated line of the head, without its terminator; null at the end of input. */
  private static String line(InputStream in) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    for (int b = in.read(); b != -1; b = in.read()) {
      if (b == '\n') {
        byte[] bytes = line.toByteArray();
        int length = bytes.length;
        if (length > 0 && bytes[length - 1] == '\r') {
          length--;
        }
        return new String(bytes, 0, length, StandardCharsets.US_ASCII);
      }
      line.write(b);
    }
    return line.size() == 0 ? null : line.toString(StandardCharsets.US_ASCII);
  }
}
