# Check generated R snippets out of process (run by src/snippets/snippets.property.spec.ts).
#
# Usage: Rscript check_r.R BATCH.bin
#
# R has no JSON reader in base, so the batch is UTF-8 fields, each ended by the byte 0xFF
# (which UTF-8 never uses):
#   "snippets-r-1"
#   nFields, field names...            (address, namespace, mount, path, key, ca)
#   nSentinels, (sentinel, field)...   ("@@path@@", "path")
#   nReferences, (id, code, var)...    the templates rendered with the sentinels
#   nRecords, (id, code, reference, var, one value per field)...
#   "end"
#
# For each record: parse() must accept the code; the code must be ASCII only (so it parses
# the same in every locale) and every line printable (0x20 to 0x7E between the newlines); its expressions, with every string constant and the variable
# masked, must be identical to the reference's (a hostile name changed no code, only data);
# each string constant, evaluated, must be the reference's one, or exactly the hostile value
# where the reference holds a sentinel; the variable must be a syntactic, unreserved name
# (make.names leaves it as is).
# Prints "OK <count>" or "FAIL <id>" and the reason, and exits 1 on failure.

args <- commandArgs(trailingOnly = TRUE)
path <- args[[1]]
bytes <- readBin(path, "raw", file.size(path))
text <- rawToChar(bytes)
fields <- strsplit(text, "\xff", fixed = TRUE, useBytes = TRUE)[[1]]
Encoding(fields) <- "UTF-8"
at <- 0L
take <- function(n = 1L) {
  force(n) # may itself take(): read it before `at`
  value <- fields[at + seq_len(n)]
  at <<- at + n
  value
}
stopifnot(identical(take(), "snippets-r-1"))
field_names <- take(as.integer(take()))
n_sentinels <- as.integer(take())
sentinel_pairs <- take(2L * n_sentinels)
sentinels <- sentinel_pairs[c(FALSE, TRUE)]
names(sentinels) <- sentinel_pairs[c(TRUE, FALSE)]

fail <- function(id, reason) {
  cat("FAIL ", id, "\n", reason, "\n", sep = "")
  quit(status = 1L, save = "no")
}

# The expressions of `code` with string constants replaced by "S" and the symbol `var` by
# VAR, and the constants in order.
normalise <- function(id, code, var) {
  constants <- character(0)
  mask <- function(e) {
    if (is.character(e) && length(e) == 1L) {
      constants[[length(constants) + 1L]] <<- eval(e)
      return("S")
    }
    if (is.symbol(e)) {
      if (identical(as.character(e), var)) return(as.symbol("VAR"))
      return(e)
    }
    if (is.call(e)) return(as.call(lapply(as.list(e), mask)))
    e
  }
  if (grepl("[^\x01-\x7f]", code, useBytes = TRUE)) fail(id, "the code is not ASCII only")
  if (grepl("[^\n\x20-\x7e]", code, useBytes = TRUE)) {
    fail(id, "a line holds a character that is not printable ASCII")
  }
  exprs <- tryCatch(
    parse(text = code, keep.source = FALSE),
    error = function(err) fail(id, paste("parse() failed:", conditionMessage(err)))
  )
  list(exprs = lapply(exprs, mask), constants = constants)
}

n_references <- as.integer(take())
references <- list()
for (i in seq_len(n_references)) {
  ref <- take(3L)
  references[[ref[[1]]]] <- normalise(ref[[1]], ref[[2]], ref[[3]])
}

n_records <- as.integer(take())
for (i in seq_len(n_records)) {
  record <- take(4L)
  values <- take(length(field_names))
  names(values) <- field_names
  id <- record[[1]]
  var <- record[[4]]
  if (!identical(make.names(var), var)) fail(id, paste("not a syntactic R name:", var))
  reference <- references[[record[[3]]]]
  got <- normalise(id, record[[2]], var)
  if (!identical(got$exprs, reference$exprs)) {
    fail(id, "the code's structure differs from the reference rendering")
  }
  if (length(got$constants) != length(reference$constants)) {
    fail(id, "a different number of string constants than the reference")
  }
  for (j in seq_along(got$constants)) {
    ref_value <- reference$constants[[j]]
    expected <- if (ref_value %in% names(sentinels)) values[[sentinels[[ref_value]]]] else ref_value
    if (!identical(got$constants[[j]], expected)) {
      fail(id, paste0("string constant ", encodeString(got$constants[[j]], quote = '"'),
                      " where ", encodeString(expected, quote = '"'), " was expected"))
    }
  }
}
stopifnot(identical(take(), "end"), at == length(fields))
cat("OK ", n_records, "\n", sep = "")
