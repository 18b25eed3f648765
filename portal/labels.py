"""What states, roles and audit actions are called, in Dutch and English (one place for each).

Pages, forms, e-mails and service messages take their words from here; the catalogue in
``portal/translations`` holds the Dutch.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from portal.models import (
    ChangeKind,
    CustomerRole,
    DeliveryStatus,
    FileReason,
    InvitationStatus,
    NoticeKind,
    ObjectionStatus,
    Resolution,
    Role,
    SubProcessorStatus,
    TransferBasis,
)

# --- states and roles: one label per member of each enum (tests/test_translations.py checks) ---

ROLE_LABELS = {
    Role.CUSTOMER: _l("Customer"),
    Role.STAFF: _l("Staff"),
    Role.STAFF_ADMIN: _l("Staff administrator"),
}
CUSTOMER_ROLE_LABELS = {
    CustomerRole.OWNER: _l("Owner"),
    CustomerRole.SIGNATORY: _l("Signatory"),
    CustomerRole.PRIVACY_CONTACT: _l("Privacy contact"),
    CustomerRole.MEMBER: _l("Member"),
}
# What each role may do, as the invitation and role forms offer it.
ROLE_CHOICE_LABELS = {
    Role.STAFF: ROLE_LABELS[Role.STAFF],
    Role.STAFF_ADMIN: _l("Staff administrator: also manages staff accounts"),
}


def roles_text(holder) -> str:
    """A person's (or an invitation's) roles in words: customer roles in a fixed order, or
    the staff role."""
    if holder.role != Role.CUSTOMER:
        return str(ROLE_LABELS[holder.role])
    return ", ".join(str(CUSTOMER_ROLE_LABELS[r]) for r in holder.ordered_roles)


ROLE_DESCRIPTIONS = {
    CustomerRole.OWNER: _l("manages who has access and what each person may do"),
    CustomerRole.SIGNATORY: _l("signs the agreement on behalf of the organization"),
    CustomerRole.PRIVACY_CONTACT: _l(
        "receives every notice, may object to new sub-processors and handles breach notices, "
        "data-subject requests and audits"),
    CustomerRole.MEMBER: _l("reads the agreement, its choices and its history"),
}
INVITATION_STATUS = {
    InvitationStatus.OPEN: _l("open"),
    InvitationStatus.ACCEPTED: _l("accepted"),
    InvitationStatus.REVOKED: _l("withdrawn"),
    InvitationStatus.EXPIRED: _l("expired"),
}
OBJECTION_STATUS_LABELS = {
    ObjectionStatus.SUBMITTED: _l("submitted"),
    ObjectionStatus.IN_REVIEW: _l("in review"),
    ObjectionStatus.RESOLVED: _l("resolved"),
}
# How an objection was resolved: as staff record it, and as the customer reads it.
RESOLUTION_LABELS = {
    Resolution.NOT_USED: _l("sub-processor not used for this customer"),
    Resolution.WITHDRAWN: _l("withdrawn by the customer"),
    Resolution.TERMINATES_SERVICE: _l("customer terminates the affected service"),
}
RESOLUTION_LABELS_FOR_CUSTOMER = {
    Resolution.NOT_USED: _l("the sub-processor is not used for your organization"),
    Resolution.WITHDRAWN: _l("withdrawn by you"),
    Resolution.TERMINATES_SERVICE: _l("you end the affected service"),
}
CHANGE_KIND_LABELS = {
    ChangeKind.ADD: _l("New sub-processor"),
    ChangeKind.REMOVE: _l("Sub-processor will no longer be used"),
    ChangeKind.REPLACE: _l("Sub-processor replaced"),
    ChangeKind.COUNTRIES: _l("Different countries of processing"),
}
SUBPROCESSOR_STATUS_LABELS = {
    SubProcessorStatus.ANNOUNCED: _l("announced"),
    SubProcessorStatus.ACTIVE: _l("in use"),
    SubProcessorStatus.ENDED: _l("no longer used"),
}
FILE_REASON_LABELS = {
    FileReason.SIGNED: _l("as signed"),
    FileReason.RENEWED: _l("archive timestamp renewed"),
}
# Legal bases for transfers outside the EU/EEA (GDPR chapter V).
TRANSFER_BASIS_LABELS = {
    TransferBasis.ADEQUACY: _l("adequacy decision"),
    TransferBasis.SCC: _l("standard contractual clauses"),
    TransferBasis.BCR: _l("binding corporate rules"),
    TransferBasis.DEROGATION: _l("derogation (GDPR art. 49)"),
}
NOTICE_KIND_LABELS = {
    NoticeKind.ANNOUNCEMENT: _l("announced sub-processor change"),
    NoticeKind.WITHDRAWAL: _l("withdrawn sub-processor change"),
}
DELIVERY_STATUS_LABELS = {
    DeliveryStatus.QUEUED: _l("waiting"),
    DeliveryStatus.SENT: _l("accepted by the mail server"),
    DeliveryStatus.FAILED: _l("failed"),
}


# What each audit action means, for people reading the log (the code stays in the CSV).
ACTION_LABELS = {
    "account.password_changed": _l("Password changed"),
    "account.profile_updated": _l("Account details changed"),
    "account.recovery_codes_regenerated": _l("New recovery codes made"),
    "account.totp_disabled": _l("Two-step verification turned off"),
    "account.totp_enabled": _l("Two-step verification turned on"),
    "audit.exported": _l("Audit log downloaded"),
    "agreement.choices_saved": _l("Agreement choices saved"),
    "agreement.choices_exported": _l("Agreement choices exported"),
    "agreement.prepared": _l("Agreement prepared for signing"),
    "agreement.signed": _l("Agreement signed and countersigned"),
    "agreement.download": _l("Signed agreement downloaded"),
    "agreement.report": _l("Validation report viewed"),
    "agreement.integrity_alert": _l("Stored agreement failed its integrity check"),
    "access.refused": _l("Access refused (not found or not allowed)"),
    "monitoring.alert_acknowledged": _l("Monitoring alert acknowledged"),
    "access_review.drawn": _l("Sample of access events drawn for review"),
    "access_review.judged": _l("Sampled access event reviewed"),
    "access_review.exported": _l("Sample check downloaded"),
    "personal_data.viewed": _l("Page with personal data viewed"),
    "storage.fault": _l("A document could not be stored (storage fault)"),
    "storage.orphan_removed": _l("Unreferenced stored file removed"),
    "agreement.timestamp_renewed": _l("Archive timestamp renewed"),
    "agreement.sign_reminded": _l("Reminder to sign the agreement sent"),
    "pki.created": _l("Certificate authority created"),
    "subprocessor.announced": _l("Sub-processor change announced"),
    "subprocessor.change_applied": _l("Sub-processor change took effect"),
    "subprocessor.recorded": _l("Sub-processor recorded"),
    "subprocessor.customers_notified": _l("Customers notified of a sub-processor change"),
    "subprocessor.announcement_withdrawn": _l("Sub-processor announcement withdrawn"),
    "subscription.requested": _l("Subscription to sub-processor changes requested"),
    "subscription.confirmed": _l("Subscription to sub-processor changes confirmed"),
    "subscription.ended": _l("Unsubscribed from sub-processor changes"),
    "subscription.removed": _l("Unconfirmed or ended subscriptions deleted"),
    "objection.submitted": _l("Objection submitted"),
    "objection.status_changed": _l("Objection status changed"),
    "objection.information_added": _l("Information added to an objection"),
    "objection.withdrawn": _l("Objection withdrawn by the customer"),
    "auth.login": _l("Signed in"),
    "auth.login_failed": _l("Failed sign-in"),
    "auth.logout": _l("Signed out"),
    "auth.password_reset": _l("Password reset by e-mail link"),
    "auth.password_reset_requested": _l("Password reset link requested"),
    "auth.recovery_code_used": _l("Recovery code used"),
    "auth.second_factor_failed": _l("Wrong two-step verification code"),
    "auth.sessions_revoked": _l("Signed out of other sessions"),
    "auth.step_up": _l("Identity confirmed"),
    "auth.step_up_failed": _l("Identity confirmation failed"),
    "keys.rotated": _l("Stored secrets re-encrypted with a new key"),
    "invitation.accepted": _l("Invitation accepted"),
    "invitation.created": _l("Invitation sent"),
    "invitation.resent": _l("Invitation sent again"),
    "invitation.revoked": _l("Invitation withdrawn"),
    "organization.created": _l("Customer registered"),
    "organization.updated": _l("Organization details changed"),
    "organization.access_exported": _l("Access list downloaded"),
    "organization.access_reviewed": _l("Access checked and confirmed by an owner"),
    "organization.sign_by_set": _l("Date to sign by set"),
    "organization.sign_by_cleared": _l("Date to sign by removed"),
    "organization.viewed_by_staff": _l("Customer data opened by Voxio staff"),
    "user.activated": _l("Access restored"),
    "user.created": _l("Account created"),
    "user.deactivated": _l("Access removed"),
    "user.role_changed": _l("Role changed"),
    "notice.retried": _l("Failed notice e-mails sent again"),
    "agreement.signed_in_turn": _l("Signed as one of several signatories"),
    "agreement.signing_cancelled": _l("Signing by several signatories stopped"),
    "agreement.signing_expired": _l("Signing by several signatories lapsed"),
    "notice.acknowledged": _l("Notice acknowledged"),
}
OBJECT_LABELS = {
    "User": _l("User"),
    "UserSession": _l("Session"),
    "Invitation": _l("Invitation"),
    "Organization": _l("Organization"),
    "ChoiceRevision": _l("Choices revision"),
    "PreparedDocument": _l("Prepared document"),
    "SignedAgreement": _l("Signed agreement"),
    "Announcement": _l("Sub-processor announcement"),
    "SubProcessor": _l("Sub-processor"),
    "Objection": _l("Objection"),
    "RegisterSubscription": _l("Subscription to sub-processor changes"),
    "Page": _l("Page"),
    "StaffAlert": _l("Alert"),
    "AccessReview": _l("Sample check"),
    "Delivery": _l("Notice e-mail"),
}
ACTOR_LABELS = {"anonymous": _l("(not signed in)"), "system": _l("(system)"),
                "seed": _l("(demo data)"), "cli": _l("(command line)"),
                "renewal": _l("(timestamp renewal)"), "scheduler": _l("(scheduled job)")}


GROUP_TITLES = {
    "services": _l("Services"),
    "purposes": _l("Purposes"),
    "data_categories": _l("Personal data"),
    "data_subjects": _l("Whose data"),
}
GROUP_HINTS = {
    "services": _l("Tick every Voxio service in which personal data of yours is kept or "
                   "passes through, for example on your website or in your mailboxes."),
    "purposes": _l("What Voxio processes the data for on your behalf."),
    "data_categories": _l("Think of what is on your website, in your e-mail and in your "
                          "backups. In doubt? Tick it: too much is better than too little."),
    "data_subjects": _l("The people the personal data is about."),
}
OTHER_LABELS = {
    "services": _l("Another service, namely"),
    "purposes": _l("Another purpose, namely"),
    "data_categories": _l("Describe the other personal data"),
    "data_subjects": _l("Describe the other people"),
}
# How the customer answers (the form speaks to the customer)...
DISPOSITION_CHOICES = {
    "return": _l("return all personal data to us"),
    "delete": _l("delete or destroy all personal data"),
    "return_then_delete": _l("return all personal data to us, then delete it"),
}
# ...and how summaries read for both sides.
DISPOSITION_LABELS = {
    "return": _l("Voxio returns all personal data to the customer"),
    "delete": _l("Voxio deletes or destroys all personal data"),
    "return_then_delete": _l("Voxio returns all personal data to the customer, then deletes it"),
}
AUTHORITY_LABELS = {
    "director": _l("director, authorised according to the Trade Register"),
    "proxy": _l("holds a power of attorney from an authorised director"),
}
FLAG_LABELS = {
    "special": _l("special category (GDPR art. 9)"),
    "criminal": _l("criminal data (GDPR art. 10)"),
    "national_id": _l("contains the BSN (UAVG art. 46)"),
}

