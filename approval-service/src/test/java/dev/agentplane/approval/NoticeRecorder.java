package dev.agentplane.approval;

import dev.agentplane.approval.request.ApprovalNotice;
import io.micronaut.context.event.ApplicationEventListener;
import jakarta.inject.Singleton;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

/** Hears every {@link ApprovalNotice}, as the webhook fan-out will, so tests can check them. */
@Singleton
public class NoticeRecorder implements ApplicationEventListener<ApprovalNotice> {

  private final List<ApprovalNotice> heard = new CopyOnWriteArrayList<>();

  @Override
  public void onApplicationEvent(ApprovalNotice notice) {
    heard.add(notice);
  }

  /** The notice types about one request, in the order published. */
  public List<String> typesFor(UUID approvalId) {
    return of(approvalId).stream().map(ApprovalNotice::type).toList();
  }

  public List<ApprovalNotice> of(UUID approvalId) {
    return heard.stream().filter(n -> n.approvalId().equals(approvalId)).toList();
  }
}
