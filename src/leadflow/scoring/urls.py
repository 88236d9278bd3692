from django.urls import URLPattern, URLResolver, path

from leadflow.scoring import views

app_name = "scoring"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.scoring_index, name="index"),
    path("programs/<slug:slug>/", views.scoring_program, name="program"),
    path("programs/<slug:slug>/train", views.scoring_train_now, name="train"),
    path("programs/<slug:slug>/models/<int:model_id>/switch", views.scoring_switch, name="switch"),
    path("programs/<slug:slug>/restore", views.scoring_restore, name="restore"),
    path("programs/<slug:slug>/backtest", views.scoring_backtest, name="backtest"),
    path(
        "programs/<slug:slug>/backtests/<int:backtest_id>/",
        views.scoring_backtest_detail,
        name="backtest_detail",
    ),
]
