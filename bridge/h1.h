/* h1.h - HTTP/1.1 (and 1.0) connections: the h1_proto table of proto.h,
 * serving requests one at a time (pipelined ones wait their turn) through
 * the same stream path as HTTP/2. */
#ifndef H2CGI_H1_H
#define H2CGI_H1_H

#include "proto.h"

#endif
