// The one JSON form of every result of app/: what `--json` prints (and, later, what pdaid
// answers). The catalog's entities have their own forms next to them (catalog/*.hpp), which
// these build on; nothing else in pdai turns a result into JSON.
#pragma once

#include <nlohmann/json.hpp>

#include "app/algorithms.hpp"
#include "app/audit.hpp"
#include "app/bundles.hpp"
#include "app/bureaus.hpp"
#include "app/catalog_care.hpp"
#include "app/gpus.hpp"
#include "app/nodes.hpp"
#include "app/quota.hpp"
#include "app/submit.hpp"
#include "app/usage.hpp"
#include "jobs/status.hpp"

namespace pdai::catalog {

// The row after a 'set', with "changed": false when it already had those values. (Here, not
// in catalog/, as every result's JSON; in catalog's namespace, where lookup finds it.)
template <class T>
void to_json(nlohmann::json& j, const Updated<T>& u) {
    j = u.value;
    j["changed"] = u.changed;
}

}  // namespace pdai::catalog

namespace pdai::app {

void to_json(nlohmann::json& j, const BureauDetail& d);
void to_json(nlohmann::json& j, const UsageReport& r);
void to_json(nlohmann::json& j, const Statement& s);
void to_json(nlohmann::json& j, const Synced& s);
void to_json(nlohmann::json& j, const AlgorithmDetail& d);
void to_json(nlohmann::json& j, const VersionDetail& d);
void to_json(nlohmann::json& j, const StatusChange& r);
void to_json(nlohmann::json& j, const Removed& r);
void to_json(nlohmann::json& j, const Verified& r);
void to_json(nlohmann::json& j, const Exported& r);
void to_json(nlohmann::json& j, const Sharing& r);
void to_json(nlohmann::json& j, const Registered& r);
void to_json(nlohmann::json& j, const BundleInitialized& r);
void to_json(nlohmann::json& j, const BundlePacked& r);
void to_json(nlohmann::json& j, const BundleChecked& r);
void to_json(nlohmann::json& j, const KeyGenerated& r);
void to_json(nlohmann::json& j, const BundleSigned& r);
void to_json(nlohmann::json& j, const Initialized& r);
void to_json(nlohmann::json& j, const Checked& r);
void to_json(nlohmann::json& j, const AuditVerified& r);
void to_json(nlohmann::json& j, const AuditAccepted& r);
void to_json(nlohmann::json& j, const BackedUp& r);
void to_json(nlohmann::json& j, const Restored& r);
void to_json(nlohmann::json& j, const CatalogPath& r);
void to_json(nlohmann::json& j, const ProbeResult& r);
void to_json(nlohmann::json& j, const BenchResult& r);
void to_json(nlohmann::json& j, const CheckResult& r);
void to_json(nlohmann::json& j, const WeightsResult& r);
void to_json(nlohmann::json& j, const NodeSyncResult& r);
void to_json(nlohmann::json& j, const OwnerCapacity& o);
void to_json(nlohmann::json& j, const QuotaVerdict& v);
void to_json(nlohmann::json& j, const QuotaStanding& s);
void to_json(nlohmann::json& j, const Submitted& s);
void to_json(nlohmann::json& j, const SubmittedUnrecorded& s);
void to_json(nlohmann::json& j, const SubmittedCopies& s);
void to_json(nlohmann::json& j, const DryRunResult& d);

// A job as 'pdai jobs list' (neither), 'jobs show' (both) and --wait print it.
nlohmann::json job_json(const jobs::JobView& v, bool with_tasks, bool with_request);

}  // namespace pdai::app
