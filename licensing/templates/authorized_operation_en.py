"""Public Data Authorized Operation Agreement (English text); ``licensing.agreements`` fills it."""

TEXT_1_0 = """\
PUBLIC DATA AUTHORIZED OPERATION AGREEMENT

Agreement number: $number
Template: $template_id (version $version)

Article 1. Parties
1.1 Data provider (Party A): $provider (unified social credit code or identifier: $provider_id)
1.2 Data user (Party B): $recipient (unified social credit code or identifier: $recipient_id)
1.3 Operator (Party C): $operator
Party A lawfully holds, or is authorized to manage, the public data covered by this Agreement;
Party B is an entity lawfully established and in good standing; Party C operates the data
exchange and authorized-operation platform and is responsible for the conclusion, monitoring,
metering and record-keeping of this Agreement. The parties enter into this Agreement in
compliance with the law, with security under control, fairly and in good faith.

Article 2. Data and scope
2.1 This Agreement covers the dataset "$dataset_title" (identifier: $dataset_id).
2.2 Party B may access the data only through the interfaces of Party C's platform and the OAuth
clients it has designated, and by no other means.
2.3 The scope of access (fields, rows, masking, aggregation and call quotas) is the usage policy
set out in Article 4. Anything not stated there is not licensed.

Article 3. Purpose
3.1 The purpose Party B applied for, and which was approved, is: $purpose.
3.2 Usage scenario: $scenario
3.3 Party B shall not use the data for any other purpose. A change of purpose requires a new
application, approved by Party A and by Party C's compliance review.

Article 4. Permitted use and restrictions
4.1 For the term of this Agreement, Party A licenses Party B to use the data under this usage
policy:
$permitted
4.2 The following are expressly prohibited:
$prohibited
4.3 Party B shall not attempt to identify any natural person, link the data with other data to
re-identify individuals, or transfer, sublicense, sell or publish the data or any copy of it.
4.4 The usage policy of this Article is attached in machine-readable form (an ODRL policy) and
hashed together with the text of this Agreement. Where the two differ, the one more restrictive
for Party B prevails.

Article 5. Security measures
5.1 Party B shall, in accordance with the Data Security Law, the Personal Information Protection
Law and the Cybersecurity Law of the People's Republic of China and related rules, maintain a
data security management system, including access control, encryption in storage and transit,
retention of operation logs for at least six months, and confidentiality duties of its staff.
5.2 Party B shall keep its OAuth client credentials safe. On any leak of credentials or data
security incident, it shall stop using the data at once, take remedial measures, and notify
Party A and Party C within twenty-four hours.
5.3 Party B is responsible for the truth and effectiveness of the security measures it stated in
its application.

Article 6. Usage reports
6.1 Party B shall:
$duties
6.2 A usage report states the actual use of the data, the results achieved and the economic and
social benefit, is confirmed by Party B's responsible officer, and is submitted through Party
C's platform.
6.3 If a report is overdue, Party C may send reminders; if it remains overdue after a reminder,
Party A or Party C may suspend Party B's access.

Article 7. Fees
7.1 The fees under this Agreement are: $fees.
7.2 Fees are in Chinese yuan (CNY), billed per calendar month from Party C's metering, with
amounts rounded half up to the fen. Both parties can see statements and usage on the platform.
7.3 Party B shall pay each statement within thirty days of its issue.

Article 8. Term and termination
8.1 This Agreement takes effect on $start and expires on $end. Continued use after expiry
requires a renewal applied for before expiry.
8.2 If Party B breaches Article 3, 4 or 5, Party A or Party C may suspend or revoke its access at
once and may terminate this Agreement.
8.3 Party A may suspend the provision of data because of changes in law or policy or data
security risks, and shall notify Party B promptly.
8.4 On termination or expiry of this Agreement, Party B's access ends immediately.

Article 9. Deletion at the end
9.1 Within $deletion_days days of the termination or expiry of this Agreement, Party B shall
delete all data obtained under it and every copy (including backups and derived row-level
data), except where the law requires retention.
9.2 After deletion, Party B shall issue a deletion certificate through Party C's platform
stating the scope, method, time and responsible officer of the deletion, and is responsible
for its truth.

Article 10. Liability
10.1 A party in breach of this Agreement shall compensate the other parties for the resulting
loss.
10.2 Party B bears full legal liability for any use beyond the licensed scope and for any leak
of the data caused by it.
10.3 Party A exercises reasonable care over the accuracy and completeness of the data but is not
liable for decisions Party B takes on the basis of the data.

Article 11. Audit and supervision
11.1 Every access by Party B is recorded by Party C's platform in a tamper-evident transaction
log, which the parties and the supervising authorities may read and verify within their rights.
11.2 Party A, Party C and the supervising authorities may inspect Party B's use of the data and
its security measures, or commission a third-party audit; Party B shall cooperate and provide
the necessary information.
11.3 A breach found by an audit is dealt with under Articles 8 and 10.

Article 12. Miscellaneous
12.1 This Agreement is governed by the laws of the People's Republic of China. Disputes shall
be settled by negotiation, failing which they shall be submitted to the competent people's
court where Party C is domiciled.
12.2 The parties accept this Agreement electronically on Party C's platform; the record of
acceptance (who, when, and the hash of this Agreement) has the same effect as a signature.
12.3 The Chinese text of this Agreement prevails over any translation.
"""

# Version 1.1 adds 5.4, the conditions a review set when it approved (see "Review conditions").
_ANCHOR_EN = "its application.\n\nArticle 6."
assert _ANCHOR_EN in TEXT_1_0
TEXT_1_1 = TEXT_1_0.replace(
    _ANCHOR_EN,
    "its application.\n5.4 Party B shall also keep the following conditions, set when the"
    " application was\napproved; breaking them is dealt with under Article 8:\n$conditions"
    "\n\nArticle 6.",
)
