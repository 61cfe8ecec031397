# The golden cases, grouped by command group. Sourced by run.sh after the fixture; one case a
# line: golden NAME [--conf FILE] [--file PATH] [--env VAR=VALUE] -- ARGS... (see lib.sh).
# Names: GROUP-COMMAND[-WHAT][-json|-csv]. Relative paths are in the test's work directory.

# ================================================================ read-only: catalog.db
# These cases only read the fixture; checked at the end of the block (a case that wrote
# would make every later listing depend on case order).
use_catalog "$T/catalog.db"
fixture_digest() { "$SQLITE3" "$T/catalog.db" .dump | sha256sum; }
digest_before=$(fixture_digest)

# ---------------------------------------------------------------- global options
golden global-no-subcommand --
golden global-version -- --version
golden global-help -- --help
golden global-json-and-csv -- --json --csv vendor list
golden global-unknown-subcommand -- frobnicate
golden global-unknown-subcommand-json -- --json frobnicate
golden group-unknown-subcommand -- node rename gpu01 gpu02
golden group-without-subcommand -- node
golden global-unknown-option -- vendor list --colour
golden global-unknown-option-json -- --json vendor list --colour
golden global-group-without-subcommand -- vendor
# A typo gets a guess from edit distance: a command, a group's command, an option.
golden global-typo-subcommand -- bureua list
golden group-typo-subcommand -- node lst
golden global-typo-option -- vendor list --jsn
golden global-typo-global-option -- --catalg x.db vendor list
golden global-unexpected-argument -- vendor list extra
golden global-option-needs-value -- jobs list --limit
golden global-option-not-a-number -- jobs list --limit many
golden global-missing-positional -- gpu type add --weight 1 --price 2
# Required options show no default in --help.
golden global-required-no-default -- gpu type add --help
golden completion-bad-shell -- completion tcsh
golden completion-no-shell -- completion
golden global-config-unknown-key --conf bad-key.conf -- vendor list
golden global-config-bad-value --conf bad-value.conf -- vendor list
golden global-config-missing --conf missing.conf -- vendor list
golden global-config-deep-key --conf deep-key.conf -- vendor list

# ---------------------------------------------------------------- catalog
golden catalog-path -- catalog path
golden catalog-path-json -- --json catalog path
golden catalog-path-csv -- --csv catalog path
golden catalog-path-option -- --catalog other-place.db catalog path
golden catalog-check -- catalog check
golden catalog-check-json -- --json catalog check
golden catalog-check-csv -- --csv catalog check
golden catalog-backup -- catalog backup backups/one.db
golden catalog-backup-exists -- catalog backup backups/one.db
golden catalog-backup-json -- --json catalog backup backups/two.db
golden catalog-backup-dir -- --json catalog backup --dir backups/rotating --keep 2
golden catalog-backup-no-dest -- catalog backup
golden catalog-backup-dir-and-dest -- catalog backup x.db --dir backups
golden catalog-restore-missing -- catalog restore backups/none.db
golden catalog-restore-missing-json -- --json catalog restore backups/none.db
golden catalog-restore-damaged -- catalog restore truncated.db
golden catalog-restore-damaged-json -- --json catalog restore truncated.db
golden catalog-missing -- --catalog none.db vendor list
golden catalog-missing-json -- --json --catalog none.db vendor list
golden catalog-text-file -- --catalog text.db vendor list
golden catalog-foreign-sqlite -- --catalog other.db vendor list
golden catalog-init-foreign-sqlite -- --catalog other.db catalog init
golden catalog-init-foreign-sqlite-json -- --json --catalog other.db catalog init
golden catalog-restore-self -- catalog restore "$T/catalog.db"
golden catalog-check-bad-grace -- catalog check --repair --grace soon
golden catalog-audit-verify-unsealed -- audit verify
golden catalog-audit-verify-unsealed-json -- --json audit verify
golden catalog-newer-schema -- --catalog newer.db vendor list
golden catalog-newer-schema-json -- --json --catalog newer.db vendor list

# ---------------------------------------------------------------- vendor
golden vendor-list -- vendor list
golden vendor-list-json -- --json vendor list
golden vendor-list-csv -- --csv vendor list
golden vendor-show -- vendor show hanwen
golden vendor-show-json -- --json vendor show hanwen
golden vendor-show-csv -- --csv vendor show hanwen
golden vendor-show-no-contact -- vendor show acme
golden vendor-show-unknown -- vendor show nobody
golden vendor-show-unknown-json -- --json vendor show nobody
golden vendor-show-unknown-csv -- --csv vendor show nobody
golden vendor-key-list -- vendor key list shijue
golden vendor-key-list-json -- --json vendor key list shijue
golden vendor-key-list-csv -- --csv vendor key list shijue
golden vendor-key-list-empty -- vendor key list hanwen
golden vendor-key-list-empty-json -- --json vendor key list hanwen
golden vendor-key-list-unknown -- vendor key list nobody
golden vendor-add-duplicate -- vendor add hanwen
golden vendor-add-duplicate-json -- --json vendor add hanwen
golden vendor-add-empty-name -- vendor add ''
golden vendor-add-slash -- vendor add a/b
golden vendor-add-control-char -- vendor add $'x\ty'
golden vendor-add-too-long -- vendor add "$(printf 'v%.0s' {1..65})"
golden vendor-remove-unknown -- vendor remove nobody
golden vendor-remove-has-algorithms -- vendor remove shengyin
golden vendor-remove-has-algorithms-json -- --json vendor remove shengyin
golden vendor-key-add-missing-file -- vendor key add shijue keys/none.pub
golden vendor-key-add-bad-file -- vendor key add shijue bad.pub
golden vendor-key-add-duplicate -- vendor key add shijue keys/shijue.pub
golden vendor-key-add-unknown-vendor -- vendor key add nobody keys/acme.pub
golden vendor-key-remove-unknown -- vendor key remove shijue no-such-key

# ---------------------------------------------------------------- bureau
golden bureau-list -- bureau list
golden bureau-list-json -- --json bureau list
golden bureau-list-csv -- --csv bureau list
golden bureau-list-active -- bureau list --active
golden bureau-list-active-json -- --json bureau list --active
golden bureau-show -- bureau show fin
golden bureau-show-json -- --json bureau show fin
golden bureau-show-csv -- --csv bureau show fin
golden bureau-show-inactive -- bureau show old
golden bureau-show-inactive-json -- --json bureau show old
golden bureau-show-unknown -- bureau show nobody
golden bureau-show-unknown-json -- --json bureau show nobody
golden bureau-member-list -- bureau member list fin
golden bureau-member-list-json -- --json bureau member list fin
golden bureau-member-list-csv -- --csv bureau member list fin
golden bureau-member-list-empty -- bureau member list old
golden bureau-member-list-unknown -- bureau member list nobody
golden bureau-add-duplicate -- bureau add fin --display-name x
golden bureau-add-duplicate-json -- --json bureau add fin --display-name x
golden bureau-add-account-taken -- bureau add other --display-name x --account edu_acct
golden bureau-add-no-name -- bureau add police2
golden bureau-add-bad-code -- bureau add 'a b' --display-name x
golden bureau-set-unknown -- bureau set nobody --display-name x
golden bureau-set-active-and-inactive -- bureau set fin --active --inactive
golden bureau-remove-unknown -- bureau remove nobody
golden bureau-remove-in-use -- bureau remove fin
golden bureau-remove-in-use-json -- --json bureau remove fin
golden bureau-member-add-duplicate -- bureau member add fin alice
golden bureau-member-add-bad-role -- bureau member add fin zoe --role owner
golden bureau-member-add-unknown-bureau -- bureau member add nobody zoe
golden bureau-member-remove-not-member -- bureau member remove fin zoe

# ---------------------------------------------------------------- quota
golden quota-show-all -- quota show
golden quota-show-all-json -- --json quota show
golden quota-show-all-csv -- --csv quota show
golden quota-show-month -- quota show fin
golden quota-show-month-json -- --json quota show fin
golden quota-show-month-csv -- --csv quota show fin
golden quota-show-quarter -- quota show edu
golden quota-show-quarter-json -- --json quota show edu
golden quota-show-exhausted -- quota show police
golden quota-show-exhausted-json -- --json quota show police
golden quota-show-none -- quota show old
golden quota-show-none-json -- --json quota show old
golden quota-show-unknown -- quota show nobody
golden quota-check-admit -- quota check fin --gpus a100:2 --time 2h --user alice
golden quota-check-admit-json -- --json quota check fin --gpus a100:2 --time 2h --user alice
golden quota-check-admit-csv -- --csv quota check fin --gpus a100:2 --time 2h --user alice
golden quota-check-array -- quota check fin --gpus t4:1 --time 30m --array 0-9 --user bob
golden quota-check-over-gpu-cap -- quota check fin --gpus a100:8 --nodes 2 --time 1h --user alice
golden quota-check-over-gpu-cap-json -- --json quota check fin --gpus a100:8 --nodes 2 --time 1h --user alice
golden quota-check-over-budget -- quota check fin --gpus a100:8 --time 24h --array 0-9%1 --user alice
golden quota-check-over-budget-json -- --json quota check fin --gpus a100:8 --time 24h --array 0-9%1 --user alice
golden quota-check-over-max-time -- quota check fin --gpus a100:1 --time 2d --user alice
golden quota-check-type-not-allowed -- quota check fin --gpus h100:1 --time 1h --user alice
golden quota-check-not-member -- quota check fin --gpus a100:1 --time 1h --user zoe
golden quota-check-exhausted -- quota check police --gpus t4:1 --time 1h --user dave
golden quota-check-exhausted-json -- --json quota check police --gpus t4:1 --time 1h --user dave
golden quota-check-inactive -- quota check old --gpus t4:1 --time 1h --user alice
golden quota-check-unknown-bureau -- quota check nobody --gpus a100:1 --time 1h --user alice
golden quota-check-bad-gpus -- quota check fin --gpus a100:lots --time 1h --user alice
golden quota-check-bad-time -- quota check fin --gpus a100:1 --time forever --user alice
golden quota-check-bad-array -- quota check fin --gpus a100:1 --time 1h --array 9-0 --user alice
golden quota-set-needs-budget -- quota set old --max-gpus 4
golden quota-set-negative-budget -- quota set fin --budget -5
golden quota-set-bad-budget -- quota set fin --budget lots
golden quota-set-bad-budget-json -- --json quota set fin --budget lots
golden quota-set-unknown-period -- quota set fin --period-kind weekly
golden quota-set-bad-max-time -- quota set fin --max-time forever
golden quota-set-unknown-gpu-type -- quota set fin --gpu-types a100,v100
golden quota-set-unknown-bureau -- quota set nobody --budget 5

# ---------------------------------------------------------------- gpu
golden gpu-type-list -- gpu type list
golden gpu-type-list-json -- --json gpu type list
golden gpu-type-list-csv -- --csv gpu type list
golden gpu-results -- gpu results
golden gpu-results-json -- --json gpu results
golden gpu-results-csv -- --csv gpu results
golden gpu-results-type -- gpu results h100
golden gpu-results-type-json -- --json gpu results h100
golden gpu-results-unknown -- gpu results v100
golden gpu-weights -- gpu weights
golden gpu-weights-json -- --json gpu weights
golden gpu-weights-csv -- --csv gpu weights
golden gpu-weights-copy -- gpu weights --metric copy
golden gpu-weights-fp32-json -- --json gpu weights --metric fp32
golden gpu-weights-reference-h100 -- gpu weights --reference h100
golden gpu-weights-bad-metric -- gpu weights --metric int4
golden gpu-weights-unknown-reference -- gpu weights --reference v100
golden gpu-type-add-duplicate -- gpu type add t4 --weight 1 --price 1
golden gpu-type-add-negative-weight -- gpu type add v100 --weight -1 --price 1
golden gpu-type-add-bad-price -- gpu type add v100 --weight 1 --price cheap
golden gpu-type-add-bad-price-json -- --json gpu type add v100 --weight 1 --price cheap
golden gpu-type-set-unknown -- gpu type set v100 --weight 2

# ---------------------------------------------------------------- node
golden node-list -- node list
golden node-list-json -- --json node list
golden node-list-csv -- --csv node list
golden node-summary -- node summary
golden node-summary-json -- --json node summary
golden node-summary-csv -- --csv node summary
golden node-add-duplicate -- node add gpu01
golden node-add-unknown-gpu-type -- node add gpu09 --gpus v100:1
golden node-add-bad-count -- node add gpu09 --gpus a100:zero
golden node-add-unknown-owner -- node add gpu09 --owner nobody
golden node-add-unknown-owner-json -- --json node add gpu09 --owner nobody
golden node-import-duplicate -- node import dup-nodes.csv
golden node-import-unknown-key -- node import bad-nodes.jsonl
golden node-import-missing -- node import none.csv
golden node-remove-unknown -- node remove gpu99
golden node-sync-no-slurm -- node sync --dry-run
golden node-sync-no-slurm-json -- --json node sync --dry-run

# ---------------------------------------------------------------- audit
golden audit-list -- audit list
golden audit-list-json -- --json audit list --limit 4
golden audit-list-csv -- --csv audit list
golden audit-list-limit -- audit list --limit 3
golden audit-list-entity -- audit list --entity quota
golden audit-list-entity-json -- --json audit list --entity quota
# The CLI's words for entities; the stored spelling of earlier releases warns and gives the same.
golden audit-list-entity-member -- audit list --entity member
golden audit-list-entity-gpu-type -- audit list --entity gpu-type
golden audit-list-entity-old-spelling -- audit list --entity gpu_type
golden audit-list-entity-unknown -- audit list --entity nonsense
golden audit-list-actor -- audit list --actor opsadmin --limit 2
golden audit-list-actor-none -- audit list --actor nobody
golden audit-list-actor-none-json -- --json audit list --actor nobody
golden audit-list-since-date -- audit list --since 2024-09-01 --limit 5
golden audit-list-since-age -- audit list --since 7d
golden audit-list-since-bad -- audit list --since yesterday-ish
golden audit-list-limit-zero -- audit list --limit 0

# ---------------------------------------------------------------- bundle
golden bundle-lint-archive -- bundle lint bundles/hanwen-ocr-1.0.0.tar.gz
golden bundle-lint-archive-json -- --json bundle lint bundles/hanwen-ocr-1.0.0.tar.gz
golden bundle-lint-archive-csv -- --csv bundle lint bundles/hanwen-ocr-1.0.0.tar.gz
golden bundle-lint-dir -- bundle lint "$PDAI_SOURCE_DIR/examples/shengyin-tts"
golden bundle-lint-dir-json -- --json bundle lint "$PDAI_SOURCE_DIR/examples/shengyin-tts"
golden bundle-lint-signed -- bundle lint bundles/shijue-faces-2.1.0.tar.gz --signature bundles/shijue-faces-2.1.0.sig --public-key keys/shijue.pub
golden bundle-lint-signed-json -- --json bundle lint bundles/shijue-faces-2.1.0.tar.gz --signature bundles/shijue-faces-2.1.0.sig --public-key keys/shijue.pub
golden bundle-lint-wrong-key -- bundle lint bundles/shijue-faces-2.1.0.tar.gz --signature bundles/shijue-faces-2.1.0.sig --public-key keys/acme.pub
golden bundle-lint-missing -- bundle lint bundles/none.tar.gz
golden bundle-lint-junk -- bundle lint junk.tar.gz
golden bundle-lint-junk-json -- --json bundle lint junk.tar.gz
golden bundle-lint-deep-key -- bundle lint deep-key-bundle
golden bundle-pack -- bundle pack "$PDAI_SOURCE_DIR/examples/shijue-faces" -o packed/shijue.tar.gz
golden bundle-pack-json -- --json bundle pack "$PDAI_SOURCE_DIR/examples/hanwen-ocr" -o packed/hanwen.tar.gz
golden bundle-pack-exists -- bundle pack "$PDAI_SOURCE_DIR/examples/shijue-faces" -o packed/shijue.tar.gz
golden bundle-pack-bad-suffix -- bundle pack "$PDAI_SOURCE_DIR/examples/shijue-faces" -o packed/shijue.rar
golden bundle-init --file new-bundle/pdai.toml -- bundle init new-bundle --name table-ocr --vendor hanwen
golden bundle-init-json -- --json bundle init new-bundle-json --name speech-x --vendor shengyin --category speech
golden bundle-init-exists -- bundle init new-bundle
golden bundle-init-bad-category -- bundle init new-bundle-2 --category ai
golden bundle-keygen -- bundle keygen --key-id test-1 -o keys/test-1
golden bundle-keygen-json -- --json bundle keygen --key-id test-2 -o keys/test-2
golden bundle-keygen-exists -- bundle keygen --key-id test-1 -o keys/test-1
golden bundle-sign -- bundle sign bundles/hanwen-ocr-1.0.0.tar.gz --key keys/shijue.key -o signed/hanwen.sig
golden bundle-sign-json -- --json bundle sign bundles/hanwen-ocr-1.0.0.tar.gz --key keys/shijue.key -o signed/hanwen-json.sig
golden bundle-sign-missing-key -- bundle sign bundles/hanwen-ocr-1.0.0.tar.gz --key keys/none.key -o signed/x.sig

# ---------------------------------------------------------------- algo
golden algo-list -- algo list
golden algo-list-json -- --json algo list
golden algo-list-csv -- --csv algo list
golden algo-list-vendor -- algo list --vendor hanwen
golden algo-list-category -- algo list --category speech
golden algo-list-bureau -- algo list --bureau edu
golden algo-list-bureau-json -- --json algo list --bureau police
golden algo-list-unknown-vendor -- algo list --vendor nobody
golden algo-list-unknown-bureau -- algo list --bureau nobody
golden algo-search -- algo search ocr
golden algo-search-json -- --json algo search ocr
golden algo-search-csv -- --csv algo search ocr
golden algo-search-description -- algo search face
golden algo-search-bureau -- algo search speech --bureau police
golden algo-search-nothing -- algo search zzz-nothing
golden algo-show -- algo show hanwen-ocr
golden algo-show-json -- --json algo show hanwen-ocr
golden algo-show-csv -- --csv algo show hanwen-ocr
golden algo-show-shared -- algo show shengyin-tts
golden algo-show-version -- algo show hanwen-ocr@1.1.0
golden algo-show-version-json -- --json algo show hanwen-ocr@1.1.0
golden algo-show-version-csv -- --csv algo show hanwen-ocr@1.1.0
golden algo-show-deprecated -- algo show hanwen-ocr@1.0.0
golden algo-show-files -- algo show shijue-faces@2.1.0 --files
golden algo-show-files-json -- --json algo show shijue-faces@2.1.0 --files
golden algo-show-files-csv -- --csv algo show shijue-faces@2.1.0 --files
golden algo-show-unknown -- algo show nothing
golden algo-show-unknown-json -- --json algo show nothing
golden algo-show-unknown-version -- algo show hanwen-ocr@9.9.9
golden algo-show-bad-ref -- algo show 'hanwen-ocr@'
golden algo-verify -- algo verify shijue-faces@2.1.0
golden algo-verify-json -- --json algo verify shijue-faces@2.1.0
golden algo-verify-unknown -- algo verify nothing@1.0.0
golden algo-verify-no-version -- algo verify shijue-faces
golden algo-export -- algo export shijue-faces@2.1.0 -o exported/shijue.tar.gz
golden algo-export-json -- --json algo export hanwen-ocr@1.1.0 -o exported/hanwen.tar.gz
golden algo-export-exists -- algo export shijue-faces@2.1.0 -o exported/shijue.tar.gz
golden algo-register-unknown-owner -- algo register bundles/hanwen-ocr-1.2.0.tar.gz --owner nobody
golden algo-register-junk -- algo register junk.tar.gz
golden algo-register-same-version-changed -- algo register bundles/hanwen-ocr-1.0.0-changed.tar.gz
golden algo-register-same-version-changed-json -- --json algo register bundles/hanwen-ocr-1.0.0-changed.tar.gz
golden algo-register-missing -- algo register bundles/none.tar.gz
golden algo-register-bad-signature -- algo register bundles/hanwen-ocr-1.2.0.tar.gz --signature bundles/shijue-faces-2.1.0.sig
golden algo-deprecate-unknown -- algo deprecate nothing@1.0.0
golden algo-deprecate-no-version -- algo deprecate hanwen-ocr
golden algo-share-unknown-bureau -- algo share shengyin-tts --with nobody
golden algo-share-unknown-algo -- algo share nothing --with edu
golden algo-unshare-unknown-algo -- algo unshare nothing --with edu

# ---------------------------------------------------------------- usage report
golden usage-report -- usage report --period 2024-10
golden usage-report-json -- --json usage report --period 2024-10
golden usage-report-csv -- --csv usage report --period 2024-10
golden usage-report-by-bureau -- usage report --period 2024-10 --by bureau
golden usage-report-by-bureau-json -- --json usage report --period 2024-10 --by bureau
golden usage-report-by-bureau-csv -- --csv usage report --period 2024-10 --by bureau
golden usage-report-by-user -- usage report --period 2024-10 --by user
golden usage-report-by-algorithm -- usage report --period 2024-10 --by algorithm
golden usage-report-by-algorithm-json -- --json usage report --period 2024-10 --by algorithm
golden usage-report-by-vendor -- usage report --period 2024-10 --by vendor
golden usage-report-by-gpu-type -- usage report --period 2024-10 --by gpu-type
golden usage-report-by-gpu-type-csv -- --csv usage report --period 2024-10 --by gpu-type
golden usage-report-by-day -- usage report --period 2024-10 --by day
golden usage-report-by-bureau-user -- usage report --period 2024-10 --by bureau,user
golden usage-report-by-bureau-user-json -- --json usage report --period 2024-10 --by bureau,user
golden usage-report-by-algorithm-gpu-type -- usage report --period 2024-10 --by algorithm --by gpu-type
golden usage-report-quarter -- usage report --period 2024-Q4 --by bureau
golden usage-report-quarter-json -- --json usage report --period 2024-Q4 --by bureau
golden usage-report-year -- usage report --period 2024 --by bureau
golden usage-report-september -- usage report --period 2024-09 --by bureau
golden usage-report-empty-period -- usage report --period 2023-01 --by bureau
golden usage-report-empty-period-json -- --json usage report --period 2023-01 --by bureau
golden usage-report-from-to -- usage report --from 2024-10-01 --to 2024-10-10 --by day
golden usage-report-from-to-json -- --json usage report --from 2024-10-01 --to 2024-10-10 --by day
golden usage-report-bureau -- usage report --period 2024-10 --bureau fin --by user
golden usage-report-bureau-json -- --json usage report --period 2024-10 --bureau fin --by user
# --format json|csv of earlier releases: the global --json/--csv now, with a warning.
golden usage-report-format-csv -- usage report --period 2024-10 --by bureau --format csv
golden usage-report-format-json-and-csv -- usage report --period 2024-10 --by bureau --format json --csv
golden usage-report-format-bad -- usage report --period 2024-10 --format xml
golden usage-report-chart -- usage report --period 2024-10 --by bureau --chart
golden usage-report-chart-ascii --env LC_ALL=C --env LANG=C -- usage report --period 2024-10 --by bureau --chart
golden usage-report-chart-json -- --json usage report --period 2024-10 --by bureau --chart
golden usage-report-current -- usage report --by bureau
golden usage-report-current-json -- --json usage report --by bureau
golden usage-report-bad-dimension -- usage report --period 2024-10 --by colour
golden usage-report-bad-dimension-json -- --json usage report --period 2024-10 --by colour
golden usage-report-bad-period -- usage report --period 2024-13
golden usage-report-period-and-from -- usage report --period 2024-10 --from 2024-10-01
golden usage-report-to-before-from -- usage report --from 2024-10-10 --to 2024-10-01
golden usage-report-unknown-bureau -- usage report --period 2024-10 --bureau nobody

# ---------------------------------------------------------------- usage statement
golden usage-statement -- usage statement fin --period 2024-10
golden usage-statement-json -- --json usage statement fin --period 2024-10
golden usage-statement-csv -- --csv usage statement fin --period 2024-10
golden usage-statement-quarter -- usage statement edu --period 2024-Q4
golden usage-statement-quarter-json -- --json usage statement edu --period 2024-Q4
golden usage-statement-year -- usage statement police --period 2024
golden usage-statement-no-quota -- usage statement old --period 2024-10
golden usage-statement-empty -- usage statement fin --period 2023-02
golden usage-statement-html --file statements/fin-2024-10.html -- usage statement fin --period 2024-10 --html statements/fin-2024-10.html
golden usage-statement-html-json --file statements/edu-2024-q4.html -- --json usage statement edu --period 2024-Q4 --html statements/edu-2024-q4.html
golden usage-statement-html-bad-dir -- usage statement fin --period 2024-10 --html no-such-dir/x.html
golden usage-statement-unknown-bureau -- usage statement nobody --period 2024-10
golden usage-statement-bad-period -- usage statement fin --period October
golden usage-statement-no-period -- usage statement fin
golden usage-statement-no-period-json -- --json usage statement fin

# ---------------------------------------------------------------- jobs (the fixture's, all ended)
golden jobs-list -- jobs list
golden jobs-list-json -- --json jobs list
golden jobs-list-csv -- --csv jobs list
golden jobs-list-bureau -- jobs list --bureau fin
golden jobs-list-state -- jobs list --state failed,timeout
# -o FIELD,... (the JSON's names, a.b into objects) and --noheader, as squeue -o / -h.
golden jobs-list-fields -- jobs list -o id,state,bureau,user
golden jobs-list-fields-noheader -- jobs list -o id --noheader
golden jobs-list-fields-csv -- --csv jobs list -o id,state,slurm_job_id
golden jobs-list-fields-json -- --json jobs list -o id,state --limit 2
golden jobs-show-field -- jobs show 1 -o state --noheader
golden jobs-list-field-unknown -- jobs list -o id,colour
golden node-list-fields-nested -- node list -o host,gpus.a100,gpus.t4
golden bureau-list-noheader -- bureau list --noheader
golden bureau-list-csv-noheader -- --csv bureau list --noheader
golden jobs-list-negative-limit -- jobs list --limit -1
golden infer-zero-shard-size -- infer hanwen-ocr --inputs x --shard-size 0
golden jobs-list-state-json -- --json jobs list --state cancelled
golden jobs-list-user -- jobs list --user carol
golden jobs-list-since -- jobs list --since 2024-10-15
golden jobs-list-limit -- jobs list --limit 2
golden jobs-list-mine -- jobs list --mine
golden jobs-list-bad-state -- jobs list --state finished
golden jobs-list-bad-since -- jobs list --since someday
golden jobs-show-run -- jobs show 1
golden jobs-show-run-json -- --json jobs show 1
golden jobs-show-run-csv -- --csv jobs show 1
golden jobs-show-infer -- jobs show 2
golden jobs-show-infer-json -- --json jobs show 2
golden jobs-show-infer-tasks -- jobs show 2 --tasks
golden jobs-show-train -- jobs show 3
golden jobs-show-slurm-id -- jobs show slurm:1004
golden jobs-show-local-cancelled -- jobs show 5
golden jobs-show-local-cancelled-json -- --json jobs show 5
golden jobs-show-unknown -- jobs show 99
golden jobs-show-unknown-json -- --json jobs show 99
golden jobs-show-bad-ref -- jobs show latest
golden jobs-cancel-ended -- jobs cancel 1
golden jobs-cancel-ended-json -- --json jobs cancel 1
golden jobs-cancel-unknown -- jobs cancel 99
golden jobs-wait-completed -- jobs wait 1
golden jobs-wait-failed -- jobs wait 2
golden jobs-wait-failed-json -- --json jobs wait 2
golden jobs-logs-missing -- jobs logs 1
golden jobs-logs-bad-task -- jobs logs 2 --task 7

# ---------------------------------------------------------------- sync (no Slurm here)
golden sync-no-slurm -- sync
golden sync-no-slurm-json -- --json sync

if [[ $(fixture_digest) != "$digest_before" ]]; then
    echo "FAIL: a read-only case changed catalog.db; move it to the write block of cases.sh"
    golden_failed+=("(catalog.db changed by a read-only case)")
fi

# ================================================================ writes: write.db
# The confirmations of write commands, on a copy of the fixture. What they write carries the
# clock and the user running the test; listings of it are --json or --csv, since a table pads
# its columns to the user name's length, which the normaliser cannot restore.
use_catalog "$T/write.db"
golden write-catalog-init-again -- catalog init
golden write-catalog-init-again-json -- --json catalog init
golden write-vendor-add -- vendor add newco --display-name 新公司 --contact a@newco.example
golden write-vendor-add-json -- --json vendor add newco-json
golden write-vendor-add-csv -- --csv vendor add newco-csv
golden write-vendor-key-add -- vendor key add acme keys/acme.pub
golden write-vendor-key-add-json -- --json vendor key add acme keys/acme-2.pub --key-id acme-json
golden write-vendor-key-remove -- vendor key remove acme acme-1
golden write-vendor-key-remove-json -- --json vendor key remove acme acme-json
golden write-vendor-remove -- vendor remove newco-csv
golden write-vendor-remove-json -- --json vendor remove newco-json
golden write-bureau-add -- bureau add tax --display-name 税务局
golden write-bureau-add-json -- --json bureau add health --display-name 卫生局 --account health_acct
golden write-bureau-add-csv -- --csv bureau add water --display-name 水务局
golden write-bureau-set -- bureau set tax --display-name 税务总局
golden write-bureau-set-json -- --json bureau set old --active
# The values it already has: nothing written, and it says so.
golden write-bureau-set-noop -- bureau set tax --display-name 税务总局
golden write-bureau-set-noop-json -- --json bureau set old --active
golden write-bureau-set-noop-audit-json -- --json audit list --limit 1
golden write-bureau-member-add -- bureau member add tax frank
golden write-bureau-member-add-json -- --json bureau member add tax grace --role admin
# A bureau without a quota: its own reason, not "0 CUH left ... wait for the budget to renew".
golden write-quota-check-no-quota -- quota check tax --gpus a100:1 --time 1h --user frank
golden write-quota-check-no-quota-json -- --json quota check tax --gpus a100:1 --time 1h --user frank
golden write-bureau-member-remove -- bureau member remove tax frank
golden write-bureau-member-remove-json -- --json bureau member remove tax grace
golden write-bureau-remove -- bureau remove water
golden write-bureau-remove-json -- --json bureau remove tax
golden write-quota-set -- quota set health --budget 250.5
golden write-quota-set-json -- --json quota set health --max-gpus 4 --max-time 90m --gpu-types t4
golden write-quota-set-csv -- --csv quota set health --period-kind quarter
golden write-quota-set-no-limits-json -- --json quota set health --max-gpus none --max-time none --gpu-types all
golden write-quota-set-noop -- quota set health --max-gpus none --budget 250.5
golden write-quota-set-noop-json -- --json quota set health --period-kind quarter --gpu-types all
golden write-gpu-type-add -- gpu type add l40s --weight 0.8 --price 9.5 --gpu-vendor nvidia --memory-gib 48
golden write-gpu-type-add-json -- --json gpu type add v100 --weight 0.5 --price 6
golden write-gpu-type-set -- gpu type set v100 --price 5.5
golden write-gpu-type-set-noop -- gpu type set v100 --price 5.5
golden write-gpu-type-set-json -- --json gpu type set l40s --match 'NVIDIA L40S*'
golden write-gpu-weights-apply -- gpu weights --apply
golden write-gpu-weights-apply-json -- --json gpu weights --apply --metric copy
golden write-node-add -- node add gpu10 --gpus l40s:4 --owner health --state idle
golden write-node-add-json -- --json node add gpu11 --gpus v100:2,t4:1
golden write-node-set -- node set gpu10 --owner shared --gpus l40s:2,t4:1
golden write-node-set-json -- --json node set gpu11 --owner health --state drain
golden write-node-set-noop -- node set gpu11 --owner health
golden write-node-set-nothing -- node set gpu11
golden write-node-set-unknown-type -- node set gpu11 --gpus h900:1
golden write-node-set-unknown -- node set gpu99 --owner health
golden write-node-import -- node import nodes-write.csv
golden write-node-import-json -- --json node import nodes-write.jsonl
golden write-node-remove -- node remove gpu10
golden write-node-remove-json -- --json node remove gpu11
golden write-algo-register -- algo register bundles/hanwen-ocr-1.2.0.tar.gz
golden write-algo-register-again -- algo register bundles/hanwen-ocr-1.2.0.tar.gz
golden write-algo-register-again-json -- --json algo register bundles/hanwen-ocr-1.2.0.tar.gz
golden write-algo-deprecate -- algo deprecate hanwen-ocr@1.1.0 --reason 'use 1.2.0'
golden write-algo-deprecate-json -- --json algo deprecate hanwen-ocr@1.2.0
golden write-algo-revoke -- algo revoke hanwen-ocr@1.0.0 --reason 'licence withdrawn'
golden write-algo-revoke-json -- --json algo revoke hanwen-ocr@1.1.0
golden write-algo-show-revoked-json -- --json algo show hanwen-ocr
# A mistaken upload no job ran: removed with its files; its vendor can go once it is.
fx vendor add tmpco
fx bundle init tmpalgo --name tmp-algo --vendor tmpco --category other
fx bundle pack tmpalgo -o bundles/tmp-algo-0.1.0.tar.gz
fx algo register bundles/tmp-algo-0.1.0.tar.gz
golden write-vendor-remove-with-algorithm -- vendor remove tmpco
golden write-algo-remove -- algo remove tmp-algo@0.1.0
golden write-algo-remove-again -- algo remove tmp-algo@0.1.0
golden write-vendor-remove-after-algo -- vendor remove tmpco
golden write-algo-remove-ran -- algo remove hanwen-ocr@1.0.0
golden write-algo-remove-ran-json -- --json algo remove hanwen-ocr@1.0.0
golden write-algo-remove-kept -- algo remove hanwen-ocr@1.2.0
golden write-algo-remove-audit-json -- --json audit list --limit 3
golden write-algo-share -- algo share shijue-faces --with fin
golden write-algo-share-json -- --json algo share shijue-faces --with police
golden write-algo-share-again -- algo share shijue-faces --with fin
golden write-algo-unshare -- algo unshare shijue-faces --with fin
golden write-algo-unshare-json -- --json algo unshare shijue-faces --with police
golden write-algo-unshare-not-shared -- algo unshare shijue-faces --with police
golden write-audit-list-csv -- --csv audit list --limit 12
golden write-audit-list-json -- --json audit list --limit 2
golden write-audit-verify -- audit verify
golden write-audit-verify-json -- --json audit verify
# What a crash leaves in the store: a tree no row refers to, an unpacking directory.
mkdir -p "$T/store/ab/ab$(printf '0%.0s' {1..62})/bin" "$T/store/.incoming-golden1"
golden write-catalog-check-leftovers -- catalog check
golden write-catalog-check-repair -- catalog check --repair --grace 0
golden write-catalog-check-repair-json -- --json catalog check --repair --grace 0

# ================================================================ tampered: tampered.db
# A copy of write.db, with its audit key, changed behind pdai's back with sqlite3.
sql "$T/write.db" ".backup '$T/tampered.db'"
cp "$T/write.db-audit.key" "$T/tampered.db-audit.key"
sql "$T/tampered.db" "UPDATE quotas SET budget_cuh = 99999 WHERE bureau_id = (SELECT id FROM bureaus WHERE code = 'fin')"
use_catalog "$T/tampered.db"
golden tampered-audit-verify -- audit verify
golden tampered-audit-verify-json -- --json audit verify
golden tampered-vendor-add -- vendor add late
golden tampered-catalog-check -- catalog check
golden tampered-audit-accept-no-reason -- audit accept
golden tampered-audit-accept -- audit accept --reason 'fin budget raised by hand (ticket 7)'
golden tampered-audit-verify-accepted -- audit verify
# Accepting again: the catalog is as the new checkpoint signed it, so nothing is written.
golden tampered-audit-accept-again -- audit accept --reason 'again'
golden tampered-audit-accept-again-json -- --json audit accept --reason 'again'
golden tampered-audit-accept-again-last-json -- --json audit list --limit 1
sql "$T/tampered.db" "UPDATE audit_log SET actor = 'mallory' WHERE id = 3"
golden tampered-audit-verify-entry -- audit verify

# ================================================================ local jobs: run.db
# Real jobs on the local backend, for submission, --wait and the records they leave. Their
# quota verdicts depend on the user: root is exempt from quotas, so the expected files hold
# root's view, as in CI (scripts/test runs as root).
use_catalog "$T/run.db"
if [[ $(id -u) != 0 ]]; then
    echo "skip: the local-job cases expect to run as root (as CI does); skipped for $(id -un)"
    GOLDEN_SKIP=1
else
    # A CPU-only bundle whose entrypoint needs nothing installed, and a bureau of the user.
    fx bundle init echo --name echo-test --vendor acme --category other
    sed -i 's/^gpus = 1 .*/gpus = 0/; s/^cpus = 4 .*/cpus = 1/; s/^mem = .*/mem = "64M"/; s/^input_patterns = .*/input_patterns = ["*.txt"]/' echo/pdai.toml
    fx bundle pack echo -o bundles/echo-test-0.1.0.tar.gz
    fx algo register bundles/echo-test-0.1.0.tar.gz
    fx bureau add lab --display-name 实验室
    fx bureau member add lab "$(id -un)"
    fx quota set lab --budget 10
    mkdir -p inputs && for i in 1 2 3; do printf 'input %s\n' "$i" >"inputs/in-$i.txt"; done
    # The plugin's settings without exemptions: root is then held to membership and quota.
    printf 'catalog = /nonexistent/catalog.db\nexempt_users =\n' >noexempt.conf
fi
golden run-dry-run -- run echo-test --bureau lab --dry-run
golden run-dry-run-json -- --json run echo-test --bureau lab --dry-run
golden run-wait -- run echo-test --bureau lab --wait
golden run-wait-json -- --json run echo-test --bureau lab --wait --idempotency-key golden-1
golden run-idempotent-again -- run echo-test --bureau lab --wait --idempotency-key golden-1
golden infer-wait -- infer echo-test --bureau lab --inputs inputs --shard-size 2 --wait
golden infer-wait-json -- --json infer echo-test --bureau lab --inputs inputs --shard-size 2 --wait
golden run-jobs-list-json -- --json jobs list --bureau lab
golden run-jobs-show -- jobs show 6
golden run-jobs-show-json -- --json jobs show 6
golden run-jobs-show-infer-tasks -- jobs show 8 --tasks
# A local array's task by its backend id, as 'jobs list' shows it (local job 3).
golden run-jobs-show-local-task -- jobs show 3_1
golden run-jobs-show-local-task-not-slurm -- jobs show slurm:3_1
golden run-jobs-logs -- jobs logs 6
golden run-jobs-logs-json -- --json jobs logs 6
golden run-jobs-logs-csv -- --csv jobs logs 6
golden run-jobs-logs-follow-json -- --json jobs logs 6 -f
golden run-jobs-logs-shard -- jobs logs 8 --task 1
golden run-jobs-wait -- jobs wait 8
golden run-unknown-algorithm -- run nothing --bureau lab
golden run-unknown-bureau -- run echo-test --bureau nobody
golden run-not-member --env PDAI_PLUGIN_CONF=noexempt.conf -- run echo-test --bureau fin
golden run-not-member-json --env PDAI_PLUGIN_CONF=noexempt.conf -- --json run echo-test --bureau fin
golden run-not-member-dry-run --env PDAI_PLUGIN_CONF=noexempt.conf -- run echo-test --bureau fin --dry-run
# Exempt (root, by default) needs no membership, as with sbatch, and the dry run says so.
golden run-exempt-not-member-dry-run -- run echo-test --bureau fin --dry-run
golden run-bad-gpus -- run echo-test --bureau lab --gpus a100:many
golden run-bad-time -- run echo-test --bureau lab --time forever
# Refusal advice in pdai run's own options (--time 10h), not sbatch's (--time=10:00:00).
golden run-over-budget-advice --env PDAI_PLUGIN_CONF=noexempt.conf -- run echo-test --bureau lab --gpus a100:1 --time 30h --dry-run
golden run-deprecated -- run hanwen-ocr@1.0.0 --bureau lab --dry-run
golden run-not-shared -- run shijue-faces --bureau lab --dry-run
golden run-slurm-backend -- run echo-test --bureau lab --backend slurm
golden infer-no-inputs -- infer echo-test --bureau lab --inputs empty-dir --wait
golden train-not-supported -- train echo-test --bureau lab --dataset inputs
# For scripts, as sbatch --parsable: the id alone, also with --wait (whose exit code tells
# how the job ended), and with -q.
golden run-parsable-wait -- run echo-test --bureau lab --parsable --wait
golden infer-quiet-wait -- -q infer echo-test --bureau lab --inputs inputs --shard-size 2 --wait
golden run-quiet-idempotent-again -- run echo-test --bureau lab -q --wait --idempotency-key golden-1
golden run-parsable-json -- --json run echo-test --bureau lab --parsable
golden run-parsable-dry-run -- run echo-test --bureau lab --parsable --dry-run
# This machine is one node: a training job on several is refused, not run as one.
if [[ -z ${GOLDEN_SKIP:-} ]]; then
    fx bundle init echotrain --name echo-train --vendor acme --category other
    sed -i 's/^gpus = 1 .*/gpus = 0/; s/^cpus = 4 .*/cpus = 1/; s/^mem = .*/mem = "64M"/; s/^kinds = .*/kinds = ["train"]/' echotrain/pdai.toml
    sed -i '/^\[infer/,$d' echotrain/pdai.toml
    fx bundle pack echotrain -o bundles/echo-train-0.1.0.tar.gz
    fx algo register bundles/echo-train-0.1.0.tar.gz
fi
golden train-local-many-nodes -- train echo-train --bureau lab --dataset inputs --nodes 2
golden train-local-many-nodes-dry-run -- train echo-train --bureau lab --dataset inputs --nodes 2 --dry-run
unset GOLDEN_SKIP
