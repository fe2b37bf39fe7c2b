//! The vocabulary terms the generator reads, in one place: a reader names a [`Term`], never a
//! string, so that the compiler lists every reader of a term that changes.

/// A term of a standard vocabulary (Core, Capabilities) or of the project's own
/// `RustSdk.UrlConventions.V1` (see `specs/README.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Term {
    /// `Core.Description`: what an element is.
    CoreDescription,
    /// `Core.LongDescription`: more about it.
    CoreLongDescription,
    /// `Core.DefaultNamespace`: operations of this schema are called by bare name.
    CoreDefaultNamespace,
    /// `Core.OptionalParameter`: a parameter the call may leave out.
    CoreOptionalParameter,
    /// `Capabilities.KeyAsSegmentSupported`: keys are path segments (`set/{key}`).
    KeyAsSegmentSupported,
    /// `Capabilities.ReadRestrictions`: whether a set can be read, and its permissions.
    ReadRestrictions,
    /// `Capabilities.InsertRestrictions`: whether a set can be created in.
    InsertRestrictions,
    /// `Capabilities.UpdateRestrictions`: whether a set's entities can be updated.
    UpdateRestrictions,
    /// `Capabilities.DeleteRestrictions`: whether a set's entities can be deleted.
    DeleteRestrictions,
    /// `Capabilities.OperationRestrictions`: an operation's permissions.
    OperationRestrictions,
    /// `RustSdk.UrlConventions.V1.EmptyParameterListOmitted`: `f` instead of `f()`.
    EmptyParameterListOmitted,
    /// `RustSdk.UrlConventions.V1.ParametersAsQueryOptions`: `?name=value` parameters.
    ParametersAsQueryOptions,
    /// `RustSdk.UrlConventions.V1.Path`: the path an import is called at.
    UrlPath,
    /// `RustSdk.UrlConventions.V1.ExportFileRows`: a function answering with links to
    /// gzip-compressed JSON-lines files (`exportFiles`), whose lines are of the named type.
    ExportFileRows,
}

impl Term {
    /// The term's qualified name, as annotations name it once aliases are resolved.
    pub const fn name(self) -> &'static str {
        match self {
            Term::CoreDescription => "Org.OData.Core.V1.Description",
            Term::CoreLongDescription => "Org.OData.Core.V1.LongDescription",
            Term::CoreDefaultNamespace => "Org.OData.Core.V1.DefaultNamespace",
            Term::CoreOptionalParameter => "Org.OData.Core.V1.OptionalParameter",
            Term::KeyAsSegmentSupported => "Org.OData.Capabilities.V1.KeyAsSegmentSupported",
            Term::ReadRestrictions => "Org.OData.Capabilities.V1.ReadRestrictions",
            Term::InsertRestrictions => "Org.OData.Capabilities.V1.InsertRestrictions",
            Term::UpdateRestrictions => "Org.OData.Capabilities.V1.UpdateRestrictions",
            Term::DeleteRestrictions => "Org.OData.Capabilities.V1.DeleteRestrictions",
            Term::OperationRestrictions => "Org.OData.Capabilities.V1.OperationRestrictions",
            Term::EmptyParameterListOmitted => "RustSdk.UrlConventions.V1.EmptyParameterListOmitted",
            Term::ParametersAsQueryOptions => "RustSdk.UrlConventions.V1.ParametersAsQueryOptions",
            Term::UrlPath => "RustSdk.UrlConventions.V1.Path",
            Term::ExportFileRows => "RustSdk.UrlConventions.V1.ExportFileRows",
        }
    }
}
